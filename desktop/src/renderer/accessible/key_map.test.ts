import { describe, expect, it } from 'vitest';
import { actionOf, KEY_MAP } from './key_map.ts';

const press = (key: string, modifiers: Partial<Record<'ctrlKey' | 'altKey' | 'metaKey', boolean>> = {}) => ({
  key,
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  ...modifiers,
});

describe('the keys of the audio ballot', () => {
  it('map the controller’s buttons and the two switches', () => {
    expect(actionOf(press('ArrowDown'), false)).toBe('next-item');
    expect(actionOf(press('ArrowRight'), false)).toBe('next-page');
    expect(actionOf(press('Enter'), false)).toBe('select');
    expect(actionOf(press('?'), false)).toBe('help');
    expect(actionOf(press('='), false)).toBe('volume-up');
    expect(actionOf(press(','), false)).toBe('rate-down');
    expect(actionOf(press('1'), false)).toBe('switch-move');
    expect(actionOf(press('2'), false)).toBe('switch-select');
  });

  it('leave the card’s characters to the card, and any key with a modifier alone', () => {
    for (const key of ['1', '2', 'r', 'R', 'b', 'l', 'p', 's']) expect(actionOf(press(key), true), key).toBeUndefined();
    expect(actionOf(press('Enter'), true)).toBe('select');
    expect(actionOf(press('?'), true)).toBe('help');
    expect(actionOf(press('ArrowDown', { ctrlKey: true }), false)).toBeUndefined();
  });

  it('give each key one action', () => {
    const keys = KEY_MAP.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
