/**
 * A TXT character-string as a zone file (and dig) writes it, in quotes: text that is UTF-8 as
 * text, with a control character (a line break from "\010") as \DDD, or the line would break;
 * bytes that are no UTF-8 ("\255") each as \DDD, or BIND would read the UTF-8 of "ÿ" instead of
 * the byte.
 */
const ddd = (code: number): string => `\\${String(code).padStart(3, '0')}`;

export function quoteTxt(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const body = Buffer.from(text, 'utf8').equals(bytes)
    ? text.replace(/[\\"]/g, '\\$&').replace(/[\x00-\x1f\x7f]/g, (c) => ddd(c.charCodeAt(0)))
    : [...bytes].map((b) => (b === 0x22 || b === 0x5c ? `\\${String.fromCharCode(b)}` : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ddd(b))).join('');
  return `"${body}"`;
}
