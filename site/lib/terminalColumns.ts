/**
 * Columns on xterm's screen: how wide a character is and where the cursor ends up after a
 * piece of text, TABs and wide characters at the margin included. The line editor draws the
 * learner's input after the server's text with these.
 */

/** Columns a character takes on a terminal: 2 for CJK and other wide characters. */
export function charWidth(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Columns between tab stops, as xterm sets them. */
const TAB_STOP = 8;

/**
 * Where xterm's cursor is on a line: its column counted over all the line's rows, and, when it
 * waits at the right margin to wrap, the character that filled the row ('' when it does not).
 */
export interface CursorSpot {
  column: number;
  waitingAfter: string;
}

/**
 * Where the cursor is after `text` is written from `from`, as xterm moves it: a TAB goes to the
 * next tab stop (the last column when none is left) and does nothing while the cursor waits to
 * wrap; a wide character that does not fit in a row's last column leaves it empty.
 */
export function cursorAfter(from: CursorSpot, text: string, cols: number): CursorSpot {
  cols = Math.max(1, cols);
  let { column, waitingAfter } = from;
  for (const ch of text) {
    const x = column % cols;
    if (ch === '\t') {
      if (!waitingAfter) column += Math.max(x, Math.min(cols - 1, (Math.floor(x / TAB_STOP) + 1) * TAB_STOP)) - x;
      continue;
    }
    const width = charWidth(ch);
    if (width === 0) continue;
    if (width === 2 && x === cols - 1 && !waitingAfter) column++;
    column += width;
    waitingAfter = column % cols === 0 ? ch : '';
  }
  return { column, waitingAfter };
}
