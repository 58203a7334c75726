/**
 * A zone file's escapes as BIND reads them: \X is X, \DDD is one byte. A leaf, so the records'
 * own module (zoneRecord.ts, which compares CAA values by their bytes) can use it without
 * importing the tokenizer.
 */

/**
 * Reads `\X` or `\DDD` at source[i] === '\\'. A digit after the backslash starts a `\DDD`: BIND
 * refuses one of fewer than three digits ("a\1b", "v=spf\1") or above 255 as a syntax error.
 */
export function readEscape(source: string, i: number): { char: string; next: number; bad?: true } {
  const digits = /^\d{1,3}/.exec(source.slice(i + 1, i + 4))?.[0];
  if (digits === undefined) return { char: source[i + 1]!, next: i + 2 };
  const code = Number(digits);
  if (digits.length === 3 && code <= 255) return { char: String.fromCharCode(code), next: i + 4 };
  return { char: '', next: i + 1 + digits.length, bad: true };
}

/**
 * The bytes a word stands for, as BIND stores them: what is typed as its UTF-8, a \DDD as that
 * one byte ("\255" is ff, not the UTF-8 of "ÿ"), \X as X. `inner` is the word without its quotes.
 */
export function escapedBytes(inner: string): Buffer {
  const parts: Buffer[] = [];
  let run = '';
  for (let i = 0; i < inner.length; ) {
    if (inner[i] === '\\' && i + 1 < inner.length) {
      const esc = readEscape(inner, i);
      if (/^\\\d{3}/.test(inner.slice(i, esc.next))) {
        parts.push(Buffer.from(run, 'utf8'), Buffer.from([esc.char.charCodeAt(0)]));
        run = '';
      } else run += esc.char;
      i = esc.next;
    } else run += inner[i++];
  }
  return Buffer.concat([...parts, Buffer.from(run, 'utf8')]);
}
