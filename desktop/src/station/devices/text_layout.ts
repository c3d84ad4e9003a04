/**
 * Fixed-width text for printed reports: what CUPS prints on a receipt printer (32 to 48
 * columns) or a page printer alike. Widths count code points of NFC text, which is what a
 * printer's text filter lays out for Latin scripts.
 */

/** Form feed: CUPS text filters start a new page (a receipt driver cuts) at it. */
export const PAGE_BREAK = '\f';

/**
 * Removes every control character (C0 and C1, DEL) and normalises to NFC: text printed
 * raw must never carry a printer command (ESC sequences) taken from an input.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/** Code points: the printer's text filter lays out one column per code point of NFC text. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

const width = (text: string) => codePoints(text).length;

/** Wraps on spaces; a word longer than the width is cut. */
export function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of printable(text)
    .split(/ +/)
    .filter((w) => w !== '')) {
    let rest = word;
    while (width(rest) > columns) {
      if (line !== '') {
        lines.push(line);
        line = '';
      }
      lines.push(codePoints(rest).slice(0, columns).join(''));
      rest = codePoints(rest).slice(columns).join('');
    }
    if (rest === '') continue;
    if (line === '') line = rest;
    else if (width(line) + 1 + width(rest) <= columns) line = `${line} ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/** `prefix` then the text, continuation lines indented under the text ("- item" lists). */
export function hanging(prefix: string, text: string, columns: number): string[] {
  const indent = ' '.repeat(width(prefix));
  return wrap(text, Math.max(columns - width(prefix), 8)).map((line, i) => `${i === 0 ? prefix : indent}${line}`);
}

/** "label ........ value"; when both do not fit on one line, the value goes right-aligned under the label. */
export function leader(label: string, value: string, columns: number): string[] {
  const v = printable(value);
  const lines = wrap(label, columns);
  const last = lines.pop() ?? '';
  if (width(last) + 1 + width(v) > columns) return [...lines, last, v.padStart(columns)];
  const dots = columns - width(last) - width(v);
  return [...lines, `${last}${dots >= 3 ? ` ${'.'.repeat(dots - 2)} ` : ' '.repeat(dots)}${v}`];
}

export function rule(columns: number, char = '-'): string {
  return char.repeat(columns);
}

export function centred(text: string, columns: number): string[] {
  return wrap(text, columns).map((line) => {
    const pad = Math.floor((columns - width(line)) / 2);
    return `${' '.repeat(Math.max(pad, 0))}${line}`;
  });
}
