/**
 * The network of a "local ... {" or "remote ... {" filter as doveconf 2.3 reads it
 * (config_parse_net, net_parse_range, net_addr2ip in 2.3.19): an address, written as
 * net_addr2ip and inet_aton take it ("10.0.0.1", "127.1", "0x7f.1", "[::1]"), with "/bits";
 * failing that, a host name looked up when the file is read, its first address taken, and the
 * whole file refused when it does not resolve ("gethostbyname(mail.example.com) failed"). The
 * lab's server knows only localhost by name (its /etc/hosts), as the machine that judges does.
 */
import { isIP } from 'node:net';

export interface DovecotNetwork {
  bytes: readonly number[];
  bits: number;
}

/** str_parse_uint: decimal digits, within 32 bits. */
const uint = (s: string): number | undefined => (/^\d+$/.test(s) && Number(s) <= 0xffffffff ? Number(s) : undefined);

/** net_addr2ip_inet4_fast: one decimal number, or four of them below 256. */
function inet4Fast(s: string): number[] | undefined {
  const one = uint(s);
  if (one !== undefined) return [one >>> 24, (one >>> 16) & 255, (one >>> 8) & 255, one & 255];
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map(uint);
  return bytes.every((b) => b !== undefined && b < 256) ? (bytes as number[]) : undefined;
}

/** inet_aton: one to four numbers (0x hex, 0 octal, decimal), the last filling the bytes left; `loose` lets whitespace end it. */
function inetAton(s: string, loose: boolean): number[] | undefined {
  const text = loose ? s.split(/[ \t\n\r\f\v]/, 1)[0]! : s;
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const p of parts) {
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(p);
    if (!m) return undefined;
    const v = /^0[xX]/.test(p) ? parseInt(p.slice(2), 16) : p.startsWith('0') ? parseInt(p, 8) : Number(p);
    if (!(v <= 0xffffffff)) return undefined;
    values.push(v);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  let n = last;
  values.forEach((v, i) => (n += v * 2 ** (8 * (3 - i))));
  return [Math.floor(n / 2 ** 24) & 255, Math.floor(n / 2 ** 16) & 255, Math.floor(n / 2 ** 8) & 255, n & 255];
}

/** inet_pton(AF_INET6), "[...]" taken off: 16 bytes. */
function inet6(s: string): number[] | undefined {
  const ip = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  if (isIP(ip) !== 6 || ip.includes('%')) return undefined;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  const six = v4 ? `${ip.slice(0, v4.index)}${((+v4[1]! << 8) | +v4[2]!).toString(16)}:${((+v4[3]! << 8) | +v4[4]!).toString(16)}` : ip;
  const [head = '', tail] = six.split('::');
  const words = (part: string): number[] => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const all = tail === undefined ? words(head) : [...words(head), ...Array<number>(8 - words(head).length - words(tail).length).fill(0), ...words(tail)];
  return all.flatMap((w) => [w >> 8, w & 255]);
}

const addr2ip = (s: string): number[] | undefined => inet4Fast(s) ?? (s.includes(':') ? inet6(s) : inetAton(s, true));

/** getaddrinfo on the lab's server: numbers as inet_aton reads them whole, a scoped IPv6 address, and localhost. */
function lookUp(name: string): number[] | undefined {
  if (name.startsWith('[')) return addr2ip(name);
  if (/^localhost$/i.test(name)) return [127, 0, 0, 1];
  const scoped = /^([^%]+)%[\w.-]+$/.exec(name);
  return inetAton(name, false) ?? (scoped ? inet6(scoped[1]!) : inet6(name));
}

/** A filter's network, or doveconf's complaint about it. */
export function readDovecotNet(spec: string): DovecotNetwork | { said: string } {
  const slash = spec.indexOf('/');
  const ip = slash < 0 ? spec : spec.slice(0, slash);
  const mask = slash < 0 ? undefined : spec.slice(slash + 1);
  const bitsFor = (bytes: readonly number[]): number | undefined => {
    const most = bytes.length * 8;
    if (mask === undefined) return most;
    const bits = uint(mask);
    return bits !== undefined && bits <= most ? bits : undefined;
  };
  const direct = addr2ip(ip);
  if (direct && bitsFor(direct) !== undefined) return { bytes: direct, bits: bitsFor(direct)! };
  const found = lookUp(ip);
  if (!found) return { said: `gethostbyname(${ip}) failed: Name or service not known` };
  const bits = bitsFor(found);
  return bits === undefined ? { said: `Invalid network mask: ${mask}` } : { bytes: found, bits };
}
