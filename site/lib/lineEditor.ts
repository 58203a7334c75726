/**
 * The line editor behind each browser terminal. It behaves like telnet or nc in line mode:
 * the learner edits a line locally (echo, cursor keys, Home/End, Backspace/Delete, Ctrl+U,
 * Ctrl+W, history on Up/Down) and Enter sends it. It knows nothing of xterm: it takes the
 * keystrokes xterm reports and returns the text to draw and the lines to send, so it can be
 * tested on its own.
 */

export interface EditResult {
  /** Text (with ANSI escapes) to write to the terminal. */
  echo: string;
  /** Complete lines to send, without line ends. */
  lines: string[];
  /** The learner pressed Ctrl+C. */
  interrupt: boolean;
}

import { charWidth, cursorAfter } from './terminalColumns';

const ESC = '\x1b';

export class LineEditor {
  /** The line being typed, as an array of characters (code points). */
  private chars: string[] = [];
  private cursor = 0;
  private history: string[] = [];
  private historyIndex = 0;
  private draft: string[] = [];
  /**
   * The column where the server's text after its last line break (e.g. "+ ") ends: the input is drawn
   * after it. Only its width is kept: the editor never draws the prompt again, so a server line
   * of a megabyte without a break costs each piece of it only its own length (drawn again per
   * piece, as it once was, it cost the square of its length).
   */
  private promptWidth = 0;
  /** The prompt ends at the right margin, xterm's cursor waiting to wrap after this character ('' when not). */
  private promptWaits = '';
  /** The input is drawn; else the cursor is where the server's text left it. */
  private inputShown = false;
  /** Row of the cursor, counted from the row where the prompt ends (the input starts there). */
  private cursorRow = 0;

  constructor(
    public cols = 80,
    private readonly maxHistory = 200,
  ) {}

  get line(): string {
    return this.chars.join('');
  }

  /** Handles what xterm's onData reports: one key, an escape sequence, or a paste. */
  input(data: string): EditResult {
    const result: EditResult = { echo: '', lines: [], interrupt: false };
    // Bracketed paste markers carry no text.
    data = data.replace(/\x1b\[20[01]~/g, '');
    if (data.length > 1 && !data.startsWith(ESC) && /[\r\n]/.test(data)) return this.paste(data);
    switch (data) {
      case '\r':
      case '\n':
        return this.submit();
      case '\x7f':
      case '\b':
        if (this.cursor > 0) {
          this.chars.splice(this.cursor - 1, 1);
          this.cursor--;
        }
        break;
      case `${ESC}[3~`:
        if (this.cursor < this.chars.length) this.chars.splice(this.cursor, 1);
        break;
      case `${ESC}[D`:
      case `${ESC}OD`:
        this.cursor = Math.max(0, this.cursor - 1);
        break;
      case `${ESC}[C`:
      case `${ESC}OC`:
        this.cursor = Math.min(this.chars.length, this.cursor + 1);
        break;
      case `${ESC}[H`:
      case `${ESC}OH`:
      case `${ESC}[1~`:
      case '\x01':
        this.cursor = 0;
        break;
      case `${ESC}[F`:
      case `${ESC}OF`:
      case `${ESC}[4~`:
      case '\x05':
        this.cursor = this.chars.length;
        break;
      case `${ESC}[A`:
      case `${ESC}OA`:
        this.recall(-1);
        break;
      case `${ESC}[B`:
      case `${ESC}OB`:
        this.recall(1);
        break;
      case '\x15': // Ctrl+U: delete to the start of the line
        this.chars.splice(0, this.cursor);
        this.cursor = 0;
        break;
      case '\x17': {
        // Ctrl+W: delete the word before the cursor (and the spaces after it)
        let start = this.cursor;
        while (start > 0 && this.chars[start - 1] === ' ') start--;
        while (start > 0 && this.chars[start - 1] !== ' ') start--;
        this.chars.splice(start, this.cursor - start);
        this.cursor = start;
        break;
      }
      case '\x03':
        result.interrupt = true;
        return result;
      default:
        if (data.startsWith(ESC)) return result; // other keys (F1, PgUp...) do nothing
        this.insert(data.replace(/[\x00-\x1f\x7f]/g, ''));
    }
    result.echo = this.redraw();
    return result;
  }

  /**
   * Server output arrived: erase the input line, write the output, draw the input again
   * after it, so what the learner is typing is never mixed into the server's lines.
   */
  serverOutput(text: string): string {
    const out = this.erase() + text;
    const nl = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
    const prompt = cursorAfter(nl === -1 ? { column: this.promptWidth, waitingAfter: this.promptWaits } : { column: 0, waitingAfter: '' }, text.slice(nl + 1), this.cols);
    this.promptWidth = prompt.column;
    this.promptWaits = prompt.waitingAfter;
    return out + this.drawInput();
  }

  /** Clears the line (after the connection closed). */
  reset(): void {
    this.chars = [];
    this.cursor = 0;
    this.atLineStart();
  }

  /** The cursor is at the start of a new line, nothing drawn on it. */
  private atLineStart(): void {
    this.promptWidth = 0;
    this.promptWaits = '';
    this.inputShown = false;
    this.cursorRow = 0;
  }

  private paste(data: string): EditResult {
    const parts = data.split(/\r\n|\r|\n/);
    const result: EditResult = { echo: '', lines: [], interrupt: false };
    parts.forEach((part, i) => {
      this.insert(part.replace(/[\x00-\x1f\x7f]/g, ''));
      if (i < parts.length - 1) {
        // Draw each pasted line before it is sent, as a terminal shows what was pasted.
        result.echo += this.redraw();
        const sent = this.submit();
        result.echo += sent.echo;
        result.lines.push(...sent.lines);
      }
    });
    result.echo += this.redraw();
    return result;
  }

  private insert(text: string): void {
    const chars = [...text];
    this.chars.splice(this.cursor, 0, ...chars);
    this.cursor += chars.length;
  }

  private submit(): EditResult {
    const line = this.line;
    // Move to the end of the input, then to a new line.
    const echo = (this.inputShown ? this.moveTo(this.chars.length) : '') + '\r\n';
    if (line !== '' && this.history[this.history.length - 1] !== line) {
      this.history.push(line);
      if (this.history.length > this.maxHistory) this.history.shift();
    }
    this.historyIndex = this.history.length;
    this.draft = [];
    this.chars = [];
    this.cursor = 0;
    this.atLineStart();
    return { echo, lines: [line], interrupt: false };
  }

  private recall(step: number): void {
    const next = this.historyIndex + step;
    if (next < 0 || next > this.history.length) return;
    if (this.historyIndex === this.history.length) this.draft = [...this.chars];
    this.historyIndex = next;
    this.chars = next === this.history.length ? [...this.draft] : [...this.history[next]!];
    this.cursor = this.chars.length;
  }

  /**
   * Escape sequence that moves the cursor to the end of the prompt and erases the input after
   * it. A prompt that ends at the right margin gets its last character written again, so the
   * cursor waits to wrap there as the server's text left it (a TAB or CR the server sends next
   * acts on that row, as on a terminal with no input on it).
   */
  private erase(): string {
    if (!this.inputShown) return '';
    this.inputShown = false;
    const cols = Math.max(1, this.cols);
    const up = this.cursorRow + (this.promptWaits ? 1 : 0);
    const column = this.promptWaits ? cols - charWidth(this.promptWaits) : this.promptWidth % cols;
    this.cursorRow = 0;
    return `${up > 0 ? `${ESC}[${up}A` : ''}\r${column > 0 ? `${ESC}[${column}C` : ''}${ESC}[J${this.promptWaits}`;
  }

  /** Redraws the input after the prompt and puts the cursor where it belongs. */
  private redraw(): string {
    return this.erase() + this.drawInput();
  }

  /**
   * Writes the input (the cursor is at the end of the prompt). Text that ends exactly at the
   * right margin leaves xterm's cursor on the last column, waiting to wrap: a space and a
   * backspace make it wrap, so the cursor is on the row this editor counts it on.
   */
  private drawInput(): string {
    const text = this.line;
    this.cursorRow = 0;
    if (text === '') return '';
    this.inputShown = true;
    const end = this.columnOf(text);
    this.cursorRow = this.rowOf(end);
    const wrap = end > 0 && end % Math.max(1, this.cols) === 0 ? ' \b' : '';
    return text + wrap + this.moveTo(this.cursor);
  }

  /** The column after the prompt and `input`. */
  private columnOf(input: string): number {
    return cursorAfter({ column: this.promptWidth, waitingAfter: this.promptWaits }, input, this.cols).column;
  }

  /** The row of a column counted from the start of the prompt, counted from the row where the prompt ends. */
  private rowOf(column: number): number {
    const cols = Math.max(1, this.cols);
    return Math.floor(column / cols) - Math.floor(this.promptWidth / cols);
  }

  /** Moves the cursor from wherever the last draw left it to character position `pos`. */
  private moveTo(pos: number): string {
    const cols = Math.max(1, this.cols);
    const column = this.columnOf(this.chars.slice(0, pos).join(''));
    const row = this.rowOf(column);
    let out = '';
    if (this.cursorRow > row) out += `${ESC}[${this.cursorRow - row}A`;
    if (row > this.cursorRow) out += `${ESC}[${row - this.cursorRow}B`;
    out += '\r';
    if (column % cols > 0) out += `${ESC}[${column % cols}C`;
    this.cursorRow = row;
    return out;
  }
}
