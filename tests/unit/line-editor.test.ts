/**
 * The terminal's line editor: editing keys, history, paste splitting, Ctrl+C, and server
 * output arriving while the learner types.
 */
import { describe, expect, it } from 'vitest';
import { LineEditor } from '../../site/lib/lineEditor.js';
import { cursorAfter } from '../../site/lib/terminalColumns.js';

const LEFT = '\x1b[D';
const RIGHT = '\x1b[C';
const UP = '\x1b[A';
const DOWN = '\x1b[B';
const HOME = '\x1b[H';
const END = '\x1b[F';
const DEL = '\x1b[3~';
const BS = '\x7f';

function type(ed: LineEditor, ...keys: string[]): string[] {
  const sent: string[] = [];
  for (const k of keys) sent.push(...ed.input(k).lines);
  return sent;
}

describe('LineEditor', () => {
  it('echoes typed text and sends the line on Enter', () => {
    const ed = new LineEditor();
    const r = ed.input('H');
    expect(r.echo).toContain('H');
    expect(type(ed, 'E', 'L', 'O', ' ', 'x', '\r')).toEqual(['HELO x']);
    expect(ed.line).toBe('');
  });

  it('edits with left/right, Home/End, Backspace and Delete', () => {
    const ed = new LineEditor();
    type(ed, 'a', 'b', LEFT, 'X');
    expect(ed.line).toBe('aXb');
    type(ed, HOME, DEL);
    expect(ed.line).toBe('Xb');
    type(ed, END, BS);
    expect(ed.line).toBe('X');
    type(ed, LEFT, LEFT, LEFT, BS, RIGHT, RIGHT, 'y');
    expect(ed.line).toBe('Xy');
  });

  it('deletes to the line start with Ctrl+U and a word with Ctrl+W', () => {
    const ed = new LineEditor();
    type(ed, ...'MAIL FROM:<a@b.c> SIZE=10'.split(''));
    type(ed, '\x17');
    expect(ed.line).toBe('MAIL FROM:<a@b.c> ');
    type(ed, '\x17');
    expect(ed.line).toBe('MAIL ');
    type(ed, 'x', LEFT, '\x15');
    expect(ed.line).toBe('x');
  });

  it('recalls history with Up and Down, keeping the unfinished line', () => {
    const ed = new LineEditor();
    type(ed, 'o', 'n', 'e', '\r', 't', 'w', 'o', '\r', 'd', 'r');
    type(ed, UP);
    expect(ed.line).toBe('two');
    type(ed, UP, UP);
    expect(ed.line).toBe('one');
    type(ed, DOWN);
    expect(ed.line).toBe('two');
    type(ed, DOWN);
    expect(ed.line).toBe('dr');
    expect(type(ed, UP, '\r')).toEqual(['two']);
  });

  it('sends each line of a multi-line paste, keeping the last partial line', () => {
    const ed = new LineEditor();
    expect(ed.input('Subject: hi\r\rline one\r.\rQU').lines).toEqual(['Subject: hi', '', 'line one', '.']);
    expect(ed.line).toBe('QU');
    expect(ed.input('\x1b[200~a\r\nb\x1b[201~').lines).toEqual(['QUa']);
    expect(ed.line).toBe('b');
    // Pasted lines are drawn, not only sent.
    const shown = new LineEditor().input('EHLO x\rQUIT\r');
    expect(shown.echo.indexOf('EHLO x')).toBeGreaterThan(-1);
    expect(shown.echo.indexOf('QUIT')).toBeGreaterThan(shown.echo.indexOf('EHLO x'));
  });

  it('reports Ctrl+C instead of sending anything', () => {
    const ed = new LineEditor();
    type(ed, 'x');
    const r = ed.input('\x03');
    expect(r).toEqual({ echo: '', lines: [], interrupt: true });
    expect(ed.line).toBe('x');
  });

  it('redraws the unfinished input after server output', () => {
    const ed = new LineEditor();
    type(ed, 'a', 'b', 'c');
    const out = ed.serverOutput('250 OK\r\n');
    expect(out.indexOf('250 OK')).toBeGreaterThan(-1);
    expect(out.indexOf('abc')).toBeGreaterThan(out.indexOf('250 OK'));
    // A prompt without a line break ("+ ") stays in front of the input.
    const cont = ed.serverOutput('+ ');
    expect(cont).toMatch(/\+ abc/);
  });

  it('counts Chinese characters as two columns', () => {
    expect(cursorAfter({ column: 0, waitingAfter: '' }, '邮件ab', 80).column).toBe(6);
    const ed = new LineEditor();
    type(ed, '你', '好');
    expect(ed.input(LEFT).echo).toMatch(/\x1b\[2C$/);
  });

  it('ignores control characters and unknown escape sequences', () => {
    const ed = new LineEditor();
    type(ed, '\x1bOP', '\x00', 'a', '\x1b[5~');
    expect(ed.line).toBe('a');
  });

  it('draws a long server line without a break once, not again with every piece of it', () => {
    // 200 KB in 1 KB pieces, the learner's input waiting after it. Drawing the whole partial
    // line again per piece wrote 20 MB (the square of the line's length); now each piece once.
    const ed = new LineEditor(80);
    type(ed, 'a', 'b');
    let drawn = 0;
    for (let i = 0; i < 200; i++) drawn += ed.serverOutput('x'.repeat(1000)).length;
    expect(drawn).toBeLessThan(200 * 1000 + 200 * 40);
    // A key typed after it redraws the input, not the 200 KB before it. The prompt fills its
    // last row (200,000 % 80 = 0), so its last character is written again (the cursor then waits
    // at the margin, as the server's text left it) and the input starts the next row.
    const echo = ed.input('c').echo;
    expect(echo.length).toBeLessThan(40);
    expect(echo).toMatch(/^\x1b\[1A\r\x1b\[79C\x1b\[Jxabc/);
    expect(ed.serverOutput('!\r\n')).toMatch(/^\x1b\[1A\r\x1b\[79C\x1b\[Jx!\r\nabc/);
  });

  it('puts the cursor back after a prompt that wraps over rows and ends mid-row', () => {
    const ed = new LineEditor(10);
    // 25 columns of prompt: it ends on its third row at column 5.
    ed.serverOutput('+ ' + 'y'.repeat(23));
    type(ed, ...'hello world'.split(''));
    // The input (11 columns) ends on the prompt's row + 1, column 6; Home goes back up one row to column 5.
    expect(ed.input(HOME).echo).toMatch(/\x1b\[1A\r\x1b\[5C$/);
    // Server output erases from the prompt's end: up one row, to column 5, erase below.
    expect(ed.serverOutput('more')).toMatch(/^\r\x1b\[5C\x1b\[Jmore/);
  });
});
