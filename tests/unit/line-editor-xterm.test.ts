/**
 * The line editor judged by xterm itself (@xterm/headless, the emulator the page draws with):
 * whatever the server wrote and the learner typed, the screen must read as the server's text
 * followed by the input line, with the cursor where the learner's cursor is, just as if both
 * had been written straight to the terminal. TABs, wide characters and rows that wrap are where
 * the editor's count of columns can part from the terminal's.
 */
import fc from 'fast-check';
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { LineEditor } from '../../site/lib/lineEditor.js';

const ROWS = 40;
const LEFT = '\x1b[D';
const HOME = '\x1b[H';
const END = '\x1b[F';

interface Screen {
  text: string[];
  cursor: [x: number, y: number];
}

/** What xterm shows after `data` is written to an empty terminal of `cols` columns. */
async function screenAfter(cols: number, data: string[]): Promise<Screen> {
  const term = new xterm.Terminal({ cols, rows: ROWS, allowProposedApi: true });
  for (const piece of data) await new Promise<void>((resolve) => term.write(piece, resolve));
  const buffer = term.buffer.active;
  // Blanks at a row's end look alike, written or not (the editor writes one to make a row wrap).
  const text = Array.from({ length: ROWS }, (_, y) => buffer.getLine(y)?.translateToString(true).trimEnd() ?? '');
  // A cursor waiting to wrap at the right margin is where the next character goes: the next row's start.
  const cursor: [number, number] = buffer.cursorX >= cols ? [0, buffer.cursorY + 1] : [buffer.cursorX, buffer.cursorY];
  term.dispose();
  return { text, cursor };
}

type Step = { server: string } | { keys: string };

/** Runs the steps through the editor into xterm, and the same text straight into xterm. */
async function compare(cols: number, steps: Step[]): Promise<{ drawn: Screen; expected: Screen }> {
  const editor = new LineEditor(cols);
  const drawn: string[] = [];
  let server = '';
  for (const step of steps) {
    if ('server' in step) {
      server += step.server;
      drawn.push(editor.serverOutput(step.server));
    } else {
      for (const key of step.keys === LEFT || step.keys === HOME || step.keys === END ? [step.keys] : [...step.keys]) drawn.push(editor.input(key).echo);
    }
  }
  const chars = [...editor.line];
  const before = await screenAfter(cols, [server + editor.line]);
  const at = await screenAfter(cols, [server + chars.slice(0, cursorOf(editor)).join('')]);
  return { drawn: await screenAfter(cols, drawn), expected: { text: before.text, cursor: at.cursor } };
}

/** The editor's cursor position in its line (characters before it). */
const cursorOf = (editor: LineEditor): number => (editor as unknown as { cursor: number }).cursor;

describe('the line editor on a real xterm', () => {
  it('keeps the input after a TAB in the server\'s text where xterm puts it', async () => {
    // A server line arriving in pieces with a TAB (as a mail's header lines may have), the learner typing meanwhile.
    const { drawn, expected } = await compare(80, [{ server: 'Subject:\tpart' }, { keys: 'ab' }, { server: ' two\t' }, { keys: 'c' }, { keys: LEFT }]);
    expect(drawn).toEqual(expected);
    expect(drawn.text[0]).toBe('Subject:        part two        abc');
  });

  it('keeps the input after a wide character the row had no room for', async () => {
    const { drawn, expected } = await compare(10, [{ server: '+ 1234567' }, { keys: '邮件x' }, { keys: LEFT }]);
    expect(drawn).toEqual(expected);
  });

  it('agrees with xterm on any mix of TABs, wide characters, wrapping and editing keys', async () => {
    const serverText = fc.array(fc.constantFrom('a', 'bc', ' ', '\t', '中', 'é', '\r\n', 'xxxxxxx'), { maxLength: 12 }).map((p) => p.join(''));
    const keys = fc.constantFrom('x', 'yz', '中', '\x7f', LEFT, HOME, END);
    const step = fc.oneof(serverText.map((server) => ({ server }) as Step), keys.map((k) => ({ keys: k }) as Step));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 8, max: 24 }), fc.array(step, { maxLength: 10 }), async (cols, steps) => {
        const { drawn, expected } = await compare(cols, steps);
        expect(drawn).toEqual(expected);
      }),
      { numRuns: 200, seed: 1013 },
    );
  });
});
