/**
 * What a browser terminal draws of a service's output, and the complete lines its replies are
 * explained by. Output arrives in pieces of any size (a CRLF may be split between two).
 *
 * Control characters are drawn as text, as `cat -v` draws them (ESC as ^[, DEL as ^?, C1 as
 * M-^[), all but TAB and the line breaks. What a service sends here is mostly mail, and mail is
 * something the learner reads, not commands for their screen: a stored message holding
 * ESC [ 8 m would hide text, ESC [ 2 J wipe the screen, ESC ] 8 plant a link, ESC [ ? 1000 h
 * turn on mouse reports (and so stop text selection), ESC [ 6 n ask the terminal to answer, a
 * lone CR write over the start of its line. Drawn as text, the learner sees which bytes are
 * really there, and the screen moves only where a line ends. A lone LF (not allowed in mail,
 * RFC 5322 §2.3) starts a new line, as on a Unix terminal.
 *
 * A byte the bridge could not decode as UTF-8 arrives as one lone surrogate, U+DC80 + (byte -
 * 0x80) (bridge/wireText.ts): it is drawn as U+FFFD and counted as the one octet it was, by
 * the same code the bridge uses (bridge/escapedBytes.ts).
 */
import { withReplacements } from '../../lab-server/src/bridge/escapedBytes.ts';

export interface ServerPiece {
  /** Text for the terminal, control characters made visible. */
  draw: string;
  /** Set when the piece ends a line: the whole line as the service sent it, without CRLF. */
  line?: string;
}

/** A line without end is not kept beyond this (as the bridge keeps at most this much). */
const MAX_PARTIAL = 1_000_000;

function caret(code: number): string {
  if (code >= 0x80) return `M-${caret(code - 0x80)}`;
  return code === 0x7f ? '^?' : `^${String.fromCharCode(code + 0x40)}`;
}

/** `text` with every control character but TAB shown as `cat -v` shows it; CRLF and a lone LF end lines. */
export function visibleControls(text: string): string {
  return withReplacements(text).replace(/\r\n|\n|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => (c.length === 2 || c === '\n' ? '\r\n' : caret(c.charCodeAt(0))));
}

export class ServerStream {
  /** The current line's text so far. */
  private partial = '';
  /** The last piece ended in CR: drawn once the next shows whether an LF follows. */
  private heldCR = false;

  take(text: string): ServerPiece[] {
    let rest = (this.heldCR ? '\r' : '') + text;
    this.heldCR = false;
    const pieces: ServerPiece[] = [];
    for (let end = rest.indexOf('\r\n'); end !== -1; end = rest.indexOf('\r\n')) {
      const part = rest.slice(0, end);
      pieces.push({ draw: `${visibleControls(part)}\r\n`, line: this.partial + part });
      this.partial = '';
      rest = rest.slice(end + 2);
    }
    if (rest.endsWith('\r')) {
      this.heldCR = true;
      rest = rest.slice(0, -1);
    }
    if (rest) {
      pieces.push({ draw: visibleControls(rest) });
      this.partial = this.partial.length + rest.length > MAX_PARTIAL ? '' : this.partial + rest;
    }
    return pieces;
  }
}
