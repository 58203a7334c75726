/**
 * Faults a learner or an instructor can arm in a sandbox, to make a lab MTA's port 25 or the
 * lab DNS misbehave on purpose the way real ones do: a reply code at one SMTP step, greylisting,
 * a slow reply, a connection dropped mid-transaction, a TLS handshake that fails after
 * STARTTLS, or a DNS question that fails, is denied or never answered.
 *
 * Each fault says when it fires and how often: it lets the first `skip` matching events pass,
 * then fires `times` times (or every time). This file checks what the API is sent and words
 * each fault in both languages; board.ts does the firing.
 */
import type { DnsInterference } from '../../dns/interference.js';
import { plural } from '../../grading/feedback.js';
import { LAB_MTAS } from '../../world/network.js';

export type SmtpStep = 'greeting' | 'mail' | 'rcpt' | 'data' | 'dot';
/** Where a connection can be dropped: the SMTP steps, and "body", in the middle of the message (before the final dot). */
export type DropStep = SmtpStep | 'body';

/** The reply codes each step can be made to answer with (RFC 5321 §4.3.2). */
export const REPLY_CODES: Record<SmtpStep, readonly number[]> = {
  greeting: [421, 554],
  mail: [451, 550, 553],
  rcpt: [450, 452, 550, 551],
  data: [451, 554],
  dot: [451, 552, 554],
};

export const DNS_TYPES = ['A', 'AAAA', 'MX', 'TXT', 'CNAME', 'NS', 'SOA', 'PTR', 'SRV', 'CAA', '*'] as const;

export type FaultSpec =
  | { kind: 'reply'; host: string; step: SmtpStep; code: number; text?: string }
  | { kind: 'greylist'; host: string; minutes: number }
  | { kind: 'delay'; host: string; step: SmtpStep; seconds: number }
  | { kind: 'drop'; host: string; step: DropStep }
  | { kind: 'tls-fail'; host: string }
  | { kind: 'dns'; name: string; type: (typeof DNS_TYPES)[number]; rcode: DnsInterference };

export interface Firing {
  /** Matching events let through before the fault fires. */
  skip: number;
  /** How many times it fires; null: every time. */
  times: number | null;
}

export interface Bilingual {
  en: string;
  'zh-CN': string;
}

export class FaultSpecError extends Error {
  constructor(readonly body: Bilingual) {
    super(body.en);
  }
}

const bi = (en: string, zh: string): Bilingual => ({ en, 'zh-CN': zh });
const fail = (en: string, zh: string): never => {
  throw new FaultSpecError(bi(en, zh));
};

/** At most this many faults per sandbox and per party. */
export const MAX_FAULTS = 20;

function count(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${what} must be a whole number from ${min} to ${max}.`, `${what} 必须是 ${min} 到 ${max} 之间的整数。`);
  return v as number;
}

function labHost(v: unknown): string {
  const wanted = String(v ?? '').toLowerCase();
  const mta = LAB_MTAS.find((m) => m.host === wanted || m.domain === wanted);
  if (!mta) fail(`"host" must be one of the lab's mail servers: ${LAB_MTAS.map((m) => m.host).join(', ')}.`, `"host" 必须是实验室的邮件服务器之一：${LAB_MTAS.map((m) => m.host).join('、')}。`);
  return mta!.host;
}

function step<T extends string>(v: unknown, steps: readonly T[]): T {
  if (!steps.includes(v as T)) fail(`"step" must be one of ${steps.join(', ')}.`, `"step" 必须是 ${steps.join('、')} 之一。`);
  return v as T;
}

/** Checks one fault as sent to PUT /api/faults. Throws FaultSpecError saying what to fix. */
export function readFault(raw: unknown): { spec: FaultSpec; fire: Firing } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('Each fault is a JSON object such as {"kind": "reply", "host": "mail.otherdomain.com", "step": "rcpt", "code": 452}.', '每个故障是一个 JSON 对象，例如 {"kind": "reply", "host": "mail.otherdomain.com", "step": "rcpt", "code": 452}。');
  const o = raw as Record<string, unknown>;
  const f = (o.fire ?? {}) as Record<string, unknown>;
  const fire: Firing = { skip: f.skip === undefined ? 0 : count(f.skip, 'fire.skip', 0, 1000), times: f.times === undefined || f.times === null ? null : count(f.times, 'fire.times', 1, 1000) };
  const steps = Object.keys(REPLY_CODES) as SmtpStep[];
  let spec: FaultSpec;
  switch (o.kind) {
    case 'reply': {
      const s = step(o.step, steps);
      const code = o.code as number;
      if (!REPLY_CODES[s].includes(code)) fail(`At the ${s} step the lab can answer ${REPLY_CODES[s].join(', ')}, not ${String(o.code)}.`, `在 ${s} 这一步，实验室可以回复 ${REPLY_CODES[s].join('、')}，而不是 ${String(o.code)}。`);
      if (o.text !== undefined && (typeof o.text !== 'string' || !/^[\x20-\x7e]{1,200}$/.test(o.text))) fail('"text" must be 1 to 200 printable ASCII characters.', '"text" 必须是 1 到 200 个可打印 ASCII 字符。');
      spec = { kind: 'reply', host: labHost(o.host), step: s, code, ...(typeof o.text === 'string' ? { text: o.text } : {}) };
      break;
    }
    case 'greylist':
      spec = { kind: 'greylist', host: labHost(o.host), minutes: count(o.minutes ?? 5, 'minutes', 1, 24 * 60) };
      break;
    case 'delay':
      spec = { kind: 'delay', host: labHost(o.host), step: step(o.step, steps), seconds: count(o.seconds, 'seconds', 1, 300) };
      break;
    case 'drop':
      spec = { kind: 'drop', host: labHost(o.host), step: step(o.step, [...steps, 'body'] as DropStep[]) };
      break;
    case 'tls-fail':
      spec = { kind: 'tls-fail', host: labHost(o.host) };
      break;
    case 'dns': {
      const name = String(o.name ?? '').toLowerCase().replace(/\.$/, '');
      if (!/^([a-z0-9_]([a-z0-9_-]{0,62})\.)*[a-z0-9_][a-z0-9_-]{0,62}$/.test(name) || name.length > 253) fail('"name" must be a domain name such as otherdomain.com.', '"name" 必须是域名，例如 otherdomain.com。');
      const type = String(o.type ?? '').toUpperCase();
      if (!(DNS_TYPES as readonly string[]).includes(type)) fail(`"type" must be one of ${DNS_TYPES.join(', ')} (* for every type).`, `"type" 必须是 ${DNS_TYPES.join('、')} 之一（* 表示所有类型）。`);
      if (!['SERVFAIL', 'NXDOMAIN', 'TIMEOUT'].includes(o.rcode as string)) fail('"rcode" must be SERVFAIL, NXDOMAIN or TIMEOUT.', '"rcode" 必须是 SERVFAIL、NXDOMAIN 或 TIMEOUT。');
      spec = { kind: 'dns', name, type: type as (typeof DNS_TYPES)[number], rcode: o.rcode as DnsInterference };
      break;
    }
    default:
      return fail('"kind" must be reply, greylist, delay, drop, tls-fail or dns.', '"kind" 必须是 reply、greylist、delay、drop、tls-fail 或 dns。');
  }
  if (spec.kind === 'greylist' && (fire.skip !== 0 || fire.times !== null)) fail('Greylisting decides by itself when to refuse (each new sender/recipient/client triple); leave "fire" out.', '灰名单自己决定何时拒绝（每个新的发件人/收件人/客户端组合）；请不要设置 "fire"。');
  return { spec, fire };
}

/** The texts a step's reply codes get, worded as real servers word them. */
export function defaultReplyText(step: SmtpStep, code: number, host: string, address: string): string {
  const texts: Record<string, string> = {
    'greeting 421': `4.3.2 ${host} Service not available, closing transmission channel`,
    'greeting 554': `5.3.2 ${host} No SMTP service here`,
    'mail 451': `4.3.0 <${address}>: Temporary lookup failure, try again later`,
    'mail 550': `5.7.1 <${address}>: Sender address rejected: Access denied`,
    'mail 553': `5.1.7 <${address}>: Sender address rejected: mailbox name not allowed`,
    'rcpt 450': `4.2.1 <${address}>: Recipient address rejected: Mailbox temporarily unavailable, try again later`,
    'rcpt 452': `4.2.2 <${address}>: Recipient address rejected: Mailbox full, try again later`,
    'rcpt 550': `5.1.1 <${address}>: Recipient address rejected: User unknown in virtual mailbox table`,
    'rcpt 551': `5.1.6 <${address}>: Recipient address rejected: User not local; the mailbox has moved`,
    'data 451': '4.3.0 Requested action aborted: local error in processing',
    'data 554': '5.7.1 Transaction failed: no mail accepted from you now',
    'dot 451': '4.3.0 Error: queue file write error, try again later',
    'dot 552': `5.2.2 <${address}>: Mailbox full: the message exceeds the recipient's storage allocation`,
    'dot 554': '5.7.1 Transaction failed: message content refused',
  };
  return texts[`${step} ${code}`] ?? `${String(code)[0]}.0.0 Refused`;
}

const STEP_NAMES: Record<DropStep, Bilingual> = {
  greeting: bi('the greeting', '问候'),
  mail: bi('MAIL FROM', 'MAIL FROM'),
  rcpt: bi('RCPT TO', 'RCPT TO'),
  data: bi('DATA', 'DATA'),
  dot: bi('the final dot', '结尾的点'),
  body: bi('the middle of the message, before the final dot', '邮件正文中途（结尾的点之前）'),
};

const ordinal = (n: number): string => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/** "at the 1st RCPT TO, once" — when a fault fires and how often, in both languages. */
export function describeFiring(spec: FaultSpec, fire: Firing): Bilingual {
  if (spec.kind === 'greylist') return bi('for every new sender/recipient/client triple', '对每个新的发件人/收件人/客户端组合');
  const event = spec.kind === 'dns' ? bi(`question for ${spec.name} ${spec.type === '*' ? '(any type)' : spec.type}`, `对 ${spec.name} ${spec.type === '*' ? '（任意类型）' : spec.type} 的查询`) : spec.kind === 'tls-fail' ? bi('STARTTLS', 'STARTTLS') : STEP_NAMES[spec.step];
  const from = fire.skip === 0 ? bi(`from the first ${event.en}`, `从第 1 次${event['zh-CN']}起`) : bi(`from the ${ordinal(fire.skip + 1)} ${event.en}`, `从第 ${fire.skip + 1} 次${event['zh-CN']}起`);
  const often = fire.times === null ? bi('every time', '每次都触发') : fire.times === 1 ? bi('once', '触发 1 次') : bi(`${fire.times} times`, `触发 ${fire.times} 次`);
  return bi(`${from.en}, ${often.en}`, `${from['zh-CN']}，${often['zh-CN']}`);
}

/** What the fault does, in both languages. */
export function describeFault(spec: FaultSpec): Bilingual {
  switch (spec.kind) {
    case 'reply':
      return bi(`${spec.host} answers ${STEP_NAMES[spec.step].en} with ${spec.code}`, `${spec.host} 对${STEP_NAMES[spec.step]['zh-CN']}回复 ${spec.code}`);
    case 'greylist':
      return bi(`${spec.host} greylists: 450 4.7.1 for a new sender/recipient/client, accepted when retried after ${plural(spec.minutes, 'minute')}`, `${spec.host} 启用灰名单：新的发件人/收件人/客户端组合先得到 450 4.7.1，${spec.minutes} 分钟后重试才接受`);
    case 'delay':
      return bi(`${spec.host} waits ${spec.seconds} s before answering ${STEP_NAMES[spec.step].en}`, `${spec.host} 在回复${STEP_NAMES[spec.step]['zh-CN']}之前等待 ${spec.seconds} 秒`);
    case 'drop':
      return bi(`${spec.host} drops the connection at ${STEP_NAMES[spec.step].en}, without a reply`, `${spec.host} 在${STEP_NAMES[spec.step]['zh-CN']}时断开连接，不作回复`);
    case 'tls-fail':
      return bi(`${spec.host} says 220 to STARTTLS, then the TLS handshake fails`, `${spec.host} 对 STARTTLS 回复 220，随后 TLS 握手失败`);
    case 'dns':
      return bi(`the lab DNS ${spec.rcode === 'TIMEOUT' ? 'never answers' : `answers ${spec.rcode} to`} questions for ${spec.name} ${spec.type === '*' ? '(any type)' : spec.type}`, `实验室 DNS ${spec.rcode === 'TIMEOUT' ? '不回答' : `以 ${spec.rcode} 回答`}对 ${spec.name} ${spec.type === '*' ? '（任意类型）' : spec.type} 的查询`);
  }
}
