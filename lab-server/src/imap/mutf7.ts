/**
 * Modified UTF-7 (RFC 3501 §5.1.3): how IMAP writes mailbox names that are not plain ASCII.
 * Printable ASCII stands for itself ("&" is written "&-"); anything else is UTF-16 in a
 * base64 variant (',' instead of '/') between "&" and "-". The store keeps real Unicode names.
 */

export class InvalidMutf7 extends Error {}

/** Unicode name -> the form sent on the wire. */
export function encodeMutf7(name: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const bytes = Buffer.alloc(pending.length * 2);
    pending.forEach((unit, i) => bytes.writeUInt16BE(unit, i * 2));
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += code === 0x26 ? '&-' : name[i];
    } else {
      pending.push(code);
    }
  }
  flush();
  return out;
}

/**
 * Wire form -> Unicode name. Strict: a name that is not exactly how encodeMutf7 would write
 * it is refused, so no two spellings can reach the same folder (nor smuggle a "." or "/").
 */
export function decodeMutf7(wire: string): string {
  let out = '';
  for (let i = 0; i < wire.length; i++) {
    const ch = wire[i]!;
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code > 0x7e) throw new InvalidMutf7(`character ${JSON.stringify(ch)} must be written in modified UTF-7`);
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end === -1) throw new InvalidMutf7('"&" starts an encoded part that never ends with "-" (write a plain "&" as "&-")');
    const encoded = wire.slice(i + 1, end);
    i = end;
    if (encoded === '') {
      out += '&';
      continue;
    }
    if (!/^[A-Za-z0-9+,]+$/.test(encoded)) throw new InvalidMutf7(`"&${encoded}-" is not valid modified base64`);
    const bytes = Buffer.from(encoded.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0 || bytes.length === 0) throw new InvalidMutf7(`"&${encoded}-" does not hold whole UTF-16 characters`);
    let chunk = '';
    for (let b = 0; b < bytes.length; b += 2) chunk += String.fromCharCode(bytes.readUInt16BE(b));
    out += chunk;
  }
  if (encodeMutf7(out) !== wire) throw new InvalidMutf7('the name is not in canonical modified UTF-7 (printable ASCII must be written as itself)');
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(out)) throw new InvalidMutf7('the name holds a broken UTF-16 surrogate pair');
  return out;
}
