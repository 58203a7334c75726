/**
 * The usual presentation form of the types the lab serves as bytes (zoneGeneric.ts), read into
 * those bytes as BIND 9.18 reads it (dns_rdata_fromtext, asked of named-checkzone for each case in
 * tests/unit/zone-generic.test.ts), with BIND's word when it refuses: TLSA and SMIMEA
 * ("3 1 1 <hex>"), SSHFP ("4 2 <hex>"), HINFO ("PC" "Linux"), URI (10 1 "https://..."), OPENPGPKEY
 * (the key in base64).
 */
import { text, type Text } from '../feedback.js';
import { tokenBytes, type Token } from './zoneTokens.js';

type Read = { bytes: Buffer } | { said: string };

/** What to write instead, per type, when BIND refuses the usual form. */
export const USUAL_FORM: Record<string, Text> = {
  SSHFP: text('the algorithm, the fingerprint type and the fingerprint in hex, e.g. "SSHFP 4 2 <the SHA-256 fingerprint>" (ssh-keygen -r prints the line)', '算法、指纹类型和十六进制的指纹，例如 "SSHFP 4 2 <SHA-256 指纹>"（ssh-keygen -r 会打印这一行）'),
  TLSA: text('the usage, the selector, the matching type and the data in hex, e.g. "TLSA 3 1 1 <the SHA-256 digest of the public key>"', '用途、选择器、匹配类型和十六进制数据，例如 "TLSA 3 1 1 <公钥的 SHA-256 摘要>"'),
  SMIMEA: text('the usage, the selector, the matching type and the data in hex, e.g. "SMIMEA 3 1 1 <the SHA-256 digest of the public key>"', '用途、选择器、匹配类型和十六进制数据，例如 "SMIMEA 3 1 1 <公钥的 SHA-256 摘要>"'),
  HINFO: text('exactly two strings, the CPU and the operating system, each at most 255 bytes, e.g. HINFO "PC" "Linux"', '正好两个字符串：CPU 和操作系统，每个最多 255 字节，例如 HINFO "PC" "Linux"'),
  URI: text('the priority and the weight (numbers from 0 to 65535), then the URI in quotes, e.g. URI 10 1 "https://www.example.com/"', '优先级和权重（0 到 65535 的数字），然后是带引号的 URI，例如 URI 10 1 "https://www.example.com/"'),
  OPENPGPKEY: text('the public key in base64, with no quotes (blanks may split it), e.g. the output of "gpg --export alice@example.com | base64"', '不带引号的 base64 公钥（可以用空格分开），例如 "gpg --export alice@example.com | base64" 的输出'),
};

/** A 16-bit number as BIND's lexer reads it: digits only ("not a valid number"), at most 65535 ("out of range"). */
function uint16(t: Token | undefined): number | { said: string } {
  if (!t) return { said: 'unexpected end of input' };
  if (t.quoted || !/^\d+$/.test(t.raw)) return { said: 'not a valid number' };
  return Number(t.raw) > 65535 ? { said: 'out of range' } : Number(t.raw);
}

/** TLSA, SMIMEA and SSHFP: numbers 0-255, then the hex, which blanks may split anywhere (whole bytes in all). */
function hexRecord(name: string, tokens: Token[]): Read {
  const fields = name === 'SSHFP' ? 2 : 3;
  const head: number[] = [];
  for (const t of tokens.slice(0, fields)) {
    if (t.quoted) return { said: 'unexpected token' };
    if (!/^\d+$/.test(t.raw)) return { said: 'not a valid number' };
    if (Number(t.raw) > 255) return { said: 'out of range' };
    head.push(Number(t.raw));
  }
  const words = tokens.slice(fields);
  const sshfp = name === 'SSHFP';
  const wanted = sshfp ? ({ 1: 20, 2: 32 } as Record<number, number>)[head[1]!] : undefined;
  // An SSHFP fingerprint of a type BIND has no length for may be empty ("SSHFP 4 0" loads).
  if (head.length < fields || (words.length === 0 && !(sshfp && wanted === undefined))) return { said: 'unexpected end of input' };
  if (words.some((t) => t.quoted)) return { said: 'unexpected token' };
  let hex = '';
  for (const w of words) {
    // BIND reads the hex digit by digit across the words (isc_hex_tobuffer; a word may end
    // mid-byte): an SSHFP fingerprint of a known length until it has it (a word past it is "extra
    // input text"), the others to the end of the line; whole bytes in all ("TLSA 3 1 1 abc d" loads).
    if (wanted !== undefined && hex.length >= wanted * 2) return { said: 'extra input text' };
    if (!/^[0-9a-fA-F]+$/.test(w.raw) || (wanted !== undefined && hex.length + w.raw.length > wanted * 2)) return { said: 'bad hex encoding' };
    hex += w.raw;
  }
  if (wanted !== undefined && hex.length < wanted * 2) return { said: 'unexpected end of input' };
  if (hex.length % 2 === 1) return { said: 'bad hex encoding' };
  return { bytes: Buffer.concat([Buffer.from(head), Buffer.from(hex, 'hex')]) };
}

/** HINFO: two character-strings, quoted or not; a longer one is BIND's "syntax error". */
function hinfo(tokens: Token[]): Read {
  if (tokens.length < 2) return { said: 'unexpected end of input' };
  if (tokens.length > 2) return { said: 'extra input text' };
  const strings = tokens.map(tokenBytes);
  if (strings.some((s) => s.length > 255)) return { said: 'syntax error' };
  return { bytes: Buffer.concat(strings.flatMap((s) => [Buffer.from([s.length]), s])) };
}

/** URI (RFC 7553): priority, weight, and the target, which must be in quotes (even empty). */
function uri(tokens: Token[]): Read {
  const priority = uint16(tokens[0]);
  if (typeof priority !== 'number') return priority;
  const weight = uint16(tokens[1]);
  if (typeof weight !== 'number') return weight;
  const target = tokens[2];
  if (!target) return { said: 'unexpected end of input' };
  if (!target.quoted) return { said: 'syntax error' };
  if (tokens.length > 3) return { said: 'extra input text' };
  const head = Buffer.alloc(4);
  head.writeUInt16BE(priority, 0);
  head.writeUInt16BE(weight, 2);
  return { bytes: Buffer.concat([head, tokenBytes(target)]) };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';

/**
 * OPENPGPKEY: base64 to the end of the line, as isc_base64_tobuffer reads it: the words joined,
 * four characters at a time, "=" only at a quad's end, the bits the padding leaves over zero; a
 * word after the padding is "extra input text", a character after it in the same word bad base64.
 */
function base64(tokens: Token[]): Read {
  if (tokens.length === 0) return { said: 'unexpected end of input' };
  const out: number[] = [];
  let quad: number[] = [];
  let end = false;
  for (const t of tokens) {
    if (end) return { said: 'extra input text' };
    if (t.quoted) return { said: 'unexpected token' };
    for (const c of t.raw) {
      const v = BASE64.indexOf(c);
      if (end || v < 0) return { said: 'bad base64 encoding' };
      quad.push(v);
      if (quad.length < 4) continue;
      const [a, b, c2, d] = quad as [number, number, number, number];
      if (a === 64 || b === 64 || (c2 === 64 && d !== 64) || (c2 === 64 && (b & 0xf) !== 0) || (d === 64 && (c2 & 3) !== 0)) return { said: 'bad base64 encoding' };
      const n = c2 === 64 ? 1 : d === 64 ? 2 : 3;
      const [x, y] = [c2 === 64 ? 0 : c2, d === 64 ? 0 : d];
      out.push(...[(a << 2) | (b >> 4), ((b & 0xf) << 4) | (x >> 2), ((x & 3) << 6) | y].slice(0, n));
      end = n !== 3;
      quad = [];
    }
  }
  return quad.length ? { said: 'bad base64 encoding' } : { bytes: Buffer.from(out) };
}

/** The usual form of such a type's data as its bytes, or BIND's word for why it refuses it. */
export function usualBytes(name: string, tokens: Token[]): Read {
  if (name === 'HINFO') return hinfo(tokens);
  if (name === 'URI') return uri(tokens);
  if (name === 'OPENPGPKEY') return base64(tokens);
  return hexRecord(name, tokens);
}
