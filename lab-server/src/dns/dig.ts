/**
 * The lab's `dig`: one question to a sandbox's zones through the real wire code, shown the way
 * dig shows it — header, flags, and the question, answer, authority and additional sections.
 */
import type { Answer, Packet } from 'dns-packet';
import type { Authority } from '../grading/dns/authority.js';
import { text, type Text } from '../grading/feedback.js';
import { decodeMessage } from './caaBytes.js';
import type { DnsFaultCheck } from './interference.js';
import { presentRecord } from './resolver.js';
import { answerQuery, buildQuery } from './wire.js';

export const DIG_TYPES = ['A', 'AAAA', 'MX', 'TXT', 'CNAME', 'NS', 'SOA', 'PTR', 'SRV', 'CAA', 'ANY'] as const;

export class DigInputError extends Error {
  constructor(readonly body: Text) {
    super(body.en);
  }
}

export interface DigResult {
  name: string;
  type: string;
  status: string;
  flags: string[];
  sections: { question: string[]; answer: string[]; authority: string[]; additional: string[] };
  /** The whole reply as dig prints it. */
  text: string;
}

/**
 * What the learner typed, as an error quotes it: at most 64 characters, and invisible or
 * control characters (a right-to-left override, a zero-width space) as "?", so the message
 * stays short and reads as typed.
 */
function quoted(raw: string): string {
  const chars = Array.from(raw.replace(/\p{C}/gu, '?'));
  return chars.length > 64 ? `${chars.slice(0, 64).join('')}…` : chars.join('');
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Checks and normalises dig's input: "192.0.2.100" with PTR becomes its in-addr.arpa name (dig -x). */
export function digQuestion(rawName: string, rawType: string): { name: string; type: string } {
  const type = (rawType || 'A').trim().toUpperCase();
  if (!(DIG_TYPES as readonly string[]).includes(type)) {
    throw new DigInputError(text(`Unknown type "${quoted(rawType)}". Choose one of ${DIG_TYPES.join(', ')}.`, `未知类型 "${quoted(rawType)}"。可选：${DIG_TYPES.join('、')}。`));
  }
  let name = rawName.trim().toLowerCase();
  const ip = IPV4.exec(name);
  if (ip && type === 'PTR') name = `${ip.slice(1).reverse().join('.')}.in-addr.arpa`;
  name = name.replace(/\.$/, '');
  if (name === '' || name.length > 253 || !/^[a-z0-9_*]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(name)) {
    throw new DigInputError(text(`"${quoted(rawName)}" is not a domain name. Example: example.com, or 192.0.2.100 with type PTR.`, `"${quoted(rawName)}" 不是域名。例如：example.com，或者类型选 PTR 时填 192.0.2.100。`));
  }
  return { name, type };
}

function flagsOf(packet: Packet): string[] {
  const raw = packet.flags ?? 0;
  const flags = ['qr'];
  if (raw & (1 << 10)) flags.push('aa');
  if (raw & (1 << 9)) flags.push('tc');
  if (raw & (1 << 8)) flags.push('rd');
  if (raw & (1 << 7)) flags.push('ra');
  return flags;
}

/** Asks the sandbox's zones one question (through its armed faults) and formats the reply as dig does. */
export function dig(authority: Authority, rawName: string, rawType: string, interfere?: DnsFaultCheck): DigResult {
  const { name, type } = digQuestion(rawName, rawType);
  const id = Math.floor(Math.random() * 65536);
  const reply = answerQuery(buildQuery(name, type, { id, edns: 1232 }), authority, 'tcp', interfere);
  if (!reply) {
    const empty = { question: [`;${name}.\t\tIN\t${type}`], answer: [], authority: [], additional: [] };
    return { name, type, status: 'TIMEOUT', flags: [], sections: empty, text: `; <<>> MailLab dig <<>> ${name} ${type}\n;; connection timed out; no servers could be reached\n` };
  }
  const packet = decodeMessage(reply);
  const status = (packet as Packet & { rcode?: string }).rcode ?? 'NOERROR';
  const records = (list: Answer[] | undefined): string[] => (list ?? []).filter((a) => a.type !== 'OPT').map(presentRecord);
  const sections = {
    question: [`;${name}.\t\tIN\t${type}`],
    answer: records(packet.answers),
    authority: records(packet.authorities),
    additional: records(packet.additionals),
  };
  const flags = flagsOf(packet);
  const lines = [
    `; <<>> MailLab dig <<>> ${name} ${type}`,
    `;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: ${id}`,
    `;; flags: ${flags.join(' ')}; QUERY: 1, ANSWER: ${sections.answer.length}, AUTHORITY: ${sections.authority.length}, ADDITIONAL: ${sections.additional.length}`,
    '',
    ';; QUESTION SECTION:',
    ...sections.question,
  ];
  for (const [title, list] of [['ANSWER', sections.answer], ['AUTHORITY', sections.authority], ['ADDITIONAL', sections.additional]] as const) {
    if (list.length > 0) lines.push('', `;; ${title} SECTION:`, ...list);
  }
  lines.push('', `;; SERVER: MailLab lab DNS (your sandbox's zones)`, `;; MSG SIZE  rcvd: ${reply.length}`);
  return { name, type, status, flags, sections, text: lines.join('\n') + '\n' };
}
