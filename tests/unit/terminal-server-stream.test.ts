/**
 * What a browser terminal draws of a service's output: control characters as `cat -v` text,
 * lines split where CRLF ends them even when a CRLF arrives in two pieces.
 */
import { describe, expect, it } from 'vitest';
import { ServerStream, visibleControls } from '../../site/lib/serverStream.js';

const draw = (pieces: Array<{ draw: string }>): string => pieces.map((p) => p.draw).join('');
const lines = (pieces: Array<{ line?: string }>): string[] => pieces.flatMap((p) => (p.line === undefined ? [] : [p.line]));

describe('visibleControls', () => {
  it('draws every control character but TAB and line ends as cat -v does', () => {
    expect(visibleControls('a\x1b[6nb')).toBe('a^[[6nb');
    expect(visibleControls('\x00\x07\x08\x0b\x0c\x7f')).toBe('^@^G^H^K^L^?');
    expect(visibleControls('csi\u009b31m osc\u009d0;t\u009c')).toBe('csiM-^[31m oscM-^]0;tM-^\\');
    expect(visibleControls('abc\rXY')).toBe('abc^MXY');
    expect(visibleControls('a\tb 中文 é')).toBe('a\tb 中文 é');
    // A lone LF starts a new line at its start, as a Unix terminal draws it.
    expect(visibleControls('one\ntwo\r\nthree')).toBe('one\r\ntwo\r\nthree');
  });

  it('leaves nothing a terminal would obey', () => {
    const every = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join('');
    const shown = visibleControls(every).replace(/\r\n/g, '');
    expect(shown).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/);
  });
});

describe('ServerStream', () => {
  it('gives each complete line once, whole, however the pieces fall', () => {
    const stream = new ServerStream();
    const pieces = [...stream.take('+OK hel'), ...stream.take('lo\r'), ...stream.take('\n1 2\r\n.'), ...stream.take('\r\n')];
    expect(lines(pieces)).toEqual(['+OK hello', '1 2', '.']);
    expect(draw(pieces)).toBe('+OK hello\r\n1 2\r\n.\r\n');
  });

  it('draws a CR that no LF follows as ^M, and keeps it in the line', () => {
    const stream = new ServerStream();
    const pieces = [...stream.take('abc\r'), ...stream.take('XY\r\n')];
    expect(draw(pieces)).toBe('abc^MXY\r\n');
    expect(lines(pieces)).toEqual(['abc\rXY']);
  });

  it('explains lines as sent, draws them as text', () => {
    const pieces = new ServerStream().take('* 1 FETCH (BODY[] {9}\r\n\x1b[2Jhi!\r\n)\r\n');
    expect(lines(pieces)).toEqual(['* 1 FETCH (BODY[] {9}', '\x1b[2Jhi!', ')']);
    expect(draw(pieces)).toBe('* 1 FETCH (BODY[] {9}\r\n^[[2Jhi!\r\n)\r\n');
  });
});
