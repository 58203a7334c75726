/**
 * The data part of each record type the lab knows, checked as BIND checks it when it loads a
 * zone, with the expected form in every message.
 */
import { isIPv6 } from 'node:net';
import { text, type Text } from '../feedback.js';
import type { ZoneRecord } from './zoneRecord.js';
import { absoluteName, parseTtl } from './zoneNames.js';
import { tokenBytes, type Token } from './zoneTokens.js';

function isIPv4(value: string): boolean {
  const parts = value.split('.');
  // No leading zeros: BIND (inet_pton) refuses "010.0.2.1", which some tools read as octal.
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

const FORMATS: Record<string, string> = {
  A: 'A 192.0.2.1',
  AAAA: 'AAAA 2001:db8::1',
  MX: 'MX 10 mail.example.com.',
  CNAME: 'CNAME host.example.com.',
  NS: 'NS ns1.example.com.',
  PTR: 'PTR mail.example.com.',
  TXT: 'TXT "text"',
  SPF: 'SPF "v=spf1 -all"',
  SOA: 'SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300',
  SRV: 'SRV 0 5 587 mail.example.com.',
  CAA: 'CAA 0 issue "ca.example"',
};

function formatProblem(type: string, detail: Text): Text {
  return text(`${detail.en} The form is: ${FORMATS[type]}`, `${detail['zh-CN']} 格式应为：${FORMATS[type]}`);
}

function quotedWord(type: string, raw: string): Text {
  return formatProblem(
    type,
    text(
      `${raw} is in quotes, but BIND reads this part of ${type} data only as a plain word, and refuses the zone ("unexpected token"): quotes are for text (TXT) only. Remove them.`,
      `${raw} 带了引号，但 BIND 只把 ${type} 数据的这一部分当作普通单词来读，会拒绝整个区域（"unexpected token"）：引号只用于文本（TXT）。去掉引号。`,
    ),
  );
}

export function readRdata(record: ZoneRecord, tokens: Token[], origin: string | undefined): Text | undefined {
  const { type } = record;
  const need = (n: number): Text | undefined =>
    tokens.length === n ? undefined : formatProblem(type, text(`${type} needs ${n} value${n > 1 ? 's' : ''} after the type, found ${tokens.length}.`, `${type} 类型后面需要 ${n} 个值，现在有 ${tokens.length} 个。`));
  // BIND reads the names in record data as plain words: "mail" in quotes is "unexpected token".
  const nameAt = (t: Token): { name?: string; problem?: Text } => (t.quoted ? { problem: quotedWord(type, t.raw) } : absoluteName(t.raw, origin));
  switch (type) {
    case 'A': {
      const bad = need(1);
      if (bad) return bad;
      if (!isIPv4(tokens[0]!.raw)) return formatProblem(type, text(`"${tokens[0]!.raw}" is not an IPv4 address.`, `"${tokens[0]!.raw}" 不是 IPv4 地址。`));
      record.address = tokens[0]!.raw.split('.').map(Number).join('.');
      return undefined;
    }
    case 'AAAA': {
      const bad = need(1);
      if (bad) return bad;
      // A zone ("%eth0") belongs to one machine's interface, never to DNS data: BIND refuses it.
      if (!isIPv6(tokens[0]!.raw) || tokens[0]!.raw.includes('%')) return formatProblem(type, text(`"${tokens[0]!.raw}" is not an IPv6 address.`, `"${tokens[0]!.raw}" 不是 IPv6 地址。`));
      record.address = tokens[0]!.raw.toLowerCase();
      return undefined;
    }
    case 'MX': {
      const bad = need(2);
      if (bad) return bad;
      const pref = tokens[0]!.raw;
      if (!/^\d+$/.test(pref) || Number(pref) > 65535) {
        return formatProblem(type, text(`The preference "${pref}" must be a number from 0 to 65535, written before the host name.`, `优先级 "${pref}" 必须是 0 到 65535 的数字，写在主机名前面。`));
      }
      const target = nameAt(tokens[1]!);
      if (!target.name) return target.problem;
      record.preference = Number(pref);
      record.target = target.name;
      record.targetText = tokens[1]!.raw;
      return undefined;
    }
    case 'CNAME':
    case 'NS':
    case 'PTR': {
      const bad = need(1);
      if (bad) return bad;
      const target = nameAt(tokens[0]!);
      if (!target.name) return target.problem;
      record.target = target.name;
      record.targetText = tokens[0]!.raw;
      return undefined;
    }
    case 'TXT':
    case 'SPF': {
      if (tokens.length === 0) return formatProblem(type, text('TXT needs at least one string.', 'TXT 至少需要一个字符串。'));
      const bytes = tokens.map(tokenBytes);
      for (const b of bytes) {
        if (b.length > 255) {
          return text(
            `One string in a TXT record holds at most 255 bytes, this one has ${b.length}. Split it into several quoted strings, e.g. ( "first part" "second part" ): they are joined without spaces.`,
            `TXT 记录中的一个字符串最多 255 字节，这个有 ${b.length} 字节。请拆成几个带引号的字符串，例如 ( "第一段" "第二段" )：它们会被无空格地拼接起来。`,
          );
        }
      }
      record.strings = tokens.map((t) => t.value);
      record.bytes = bytes;
      return undefined;
    }
    case 'SOA': {
      const bad = need(7);
      if (bad) return bad;
      for (const t of tokens.slice(0, 2)) {
        const n = nameAt(t);
        if (!n.name) return n.problem;
      }
      // The serial is a plain 32-bit number (BIND: "not a valid number", "out of range"); the four timers may use units.
      const serial = tokens[2]!.raw;
      if (!/^\d+$/.test(serial) || Number(serial) > 2 ** 32 - 1) return formatProblem(type, text(`The serial "${serial}" must be a number from 0 to 4294967295, without units.`, `序列号 "${serial}" 必须是 0 到 4294967295 的数字，不带单位。`));
      for (const t of tokens.slice(3)) {
        if (parseTtl(t.raw) === undefined) return formatProblem(type, text(`"${t.raw}" is not a number or time.`, `"${t.raw}" 不是数字或时间。`));
      }
      return undefined;
    }
    case 'SRV': {
      const bad = need(4);
      if (bad) return bad;
      for (const t of tokens.slice(0, 3)) {
        if (!/^\d+$/.test(t.raw) || Number(t.raw) > 65535) return formatProblem(type, text(`"${t.raw}" must be a number from 0 to 65535.`, `"${t.raw}" 必须是 0 到 65535 的数字。`));
      }
      const target = nameAt(tokens[3]!);
      if (!target.name) return target.problem;
      record.target = target.name;
      record.targetText = tokens[3]!.raw;
      return undefined;
    }
    case 'CAA': {
      const bad = need(3);
      if (bad) return bad;
      if (!/^\d+$/.test(tokens[0]!.raw) || Number(tokens[0]!.raw) > 255) return formatProblem(type, text('The CAA flags must be a number from 0 to 255.', 'CAA 的 flags 必须是 0 到 255 的数字。'));
      if (tokens[1]!.quoted) return quotedWord(type, tokens[1]!.raw);
      // RFC 8659 §4.1: a tag is letters and digits; BIND refuses any other ("syntax error"), and an empty one (FORMERR).
      if (!/^[A-Za-z0-9]+$/.test(tokens[1]!.raw)) {
        return formatProblem(type, text(`The CAA tag "${tokens[1]!.raw}" may hold only letters and digits (issue, issuewild, iodef): BIND refuses the zone.`, `CAA 的标签 "${tokens[1]!.raw}" 只能由字母和数字组成（issue、issuewild、iodef）：BIND 会拒绝整个区域。`));
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

