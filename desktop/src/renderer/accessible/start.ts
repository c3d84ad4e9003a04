import { useEffect } from 'react';
import { stationApi } from '../backend/api.ts';
import { useAccessibleStore, type AccessInput } from '../state/accessible_store.ts';
import { START_KEYS, SWITCH_START_KEYS } from './key_map.ts';
import { hasAudio, setClips, stopSpeaking } from './speech_output.ts';

/**
 * Starting and ending the audio ballot. It starts from the welcome screen when the voter
 * presses the controller's help key (or a switch), or from the poll workers' screen; it needs
 * the kit's clips (a kit without audio has none, and then nothing starts).
 */
export async function startAccessibleSession(input: AccessInput): Promise<boolean> {
  try {
    const answer = await stationApi().audioClips({});
    if (!answer.ok) return false;
    setClips(answer.value.clips);
  } catch {
    return false;
  }
  if (!hasAudio()) return false;
  useAccessibleStore.getState().start(input);
  return true;
}

/** The session is over: silence, and nothing of it kept. */
export function endAccessibleSession(): void {
  stopSpeaking();
  useAccessibleStore.getState().reset();
}

/** On the welcome screen (`enabled`), the help key starts the audio ballot, and a switch the two-switch one. */
export function useAccessibleStartKeys(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
      const input = START_KEYS.includes(event.key) ? 'controller' : SWITCH_START_KEYS.includes(event.key) ? 'switch' : undefined;
      if (input === undefined || useAccessibleStore.getState().active) return;
      event.preventDefault();
      void startAccessibleSession(input);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
    };
  }, [enabled]);
}
