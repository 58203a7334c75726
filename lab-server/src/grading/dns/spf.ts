/**
 * SPF (RFC 7208): a parser for the record's terms that explains each mistake, and a grader that
 * also evaluates the record for real with mailauth's SPF implementation against the exercise's
 * zone: the hosts that should send pass, everyone else fails.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { createRequire } from 'node:module';
import { error, ok, text, warn, type FeedbackLine, type Text } from '../feedback.js';
import { txtValue } from './zoneFile.js';
import { bare, fqdn, type ZoneView } from './zoneView.js';

const require = createRequire(import.meta.url);
const { spf: mailauthSpf } = require('mailauth/lib/spf') as {
  spf: (opts: { sender: string; ip: string; helo: string; mta: string; resolver: unknown }) => Promise<{ status: { result: string; comment?: string } }>;
};

export type Qualifier = '+' | '-' | '~' | '?';

export interface SpfTerm {
  raw: string;
  kind: 'mechanism' | 'modifier';
  qualifier: Qualifier;
  /** Lower-case mechanism or modifier name. */
  name: string;
  value?: string;
}

export interface SpfProblem {
  level: 'warn' | 'error';
  code: string;
  message: Text;
  hint?: Text;
}

export interface ParsedSpf {
  terms: SpfTerm[];
  problems: SpfProblem[];
  /** Terms that cost a DNS lookup (include, a, mx, ptr, exists, redirect): at most 10. */
  lookups: number;
}

const MECHANISMS = new Set(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);
const LOOKUP_TERMS = new Set(['include', 'a', 'mx', 'ptr', 'exists', 'redirect']);

/** RFC 7208 §7.1 macro-string, or a plain domain with a real top label. */
function validDomainSpec(value: string): boolean {
  if (!/^[\x21-\x7e]+$/.test(value)) return false;
  if (value.includes('%')) return /^([^%]|%%|%_|%-|%\{[slodiphcrtv]\d*r?[.\-+,/_=]*\})+$/i.test(value);
  const labels = value.replace(/\.$/, '').split('.');
  return labels.length >= 2 && labels.every((l) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(l)) && /[a-z]/i.test(labels[labels.length - 1]!);
}

/** Parses an SPF record. Never throws; every problem is a learner-readable line. */
export function parseSpf(record: string): ParsedSpf {
  const problems: SpfProblem[] = [];
  const terms: SpfTerm[] = [];
  const words = record.trim().split(/\s+/).filter(Boolean);
  if (words[0]?.toLowerCase() !== 'v=spf1') {
    problems.push({ level: 'error', code: 'spf.version', message: text('An SPF record must begin with "v=spf1".', 'SPF 记录必须以 "v=spf1" 开头。'), hint: text('Write "v=spf1" first, then the mechanisms separated by spaces.', '先写 "v=spf1"，再写用空格分隔的各个机制。') });
    return { terms, problems, lookups: 0 };
  }
  const bad = (raw: string, en: string, zh: string, hintEn: string, hintZh: string): void => {
    problems.push({ level: 'error', code: 'spf.syntax', message: text(`"${raw}": ${en}`, `"${raw}"：${zh}`), hint: text(hintEn, hintZh) });
  };
  for (const raw of words.slice(1)) {
    const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(raw);
    if (modifier) {
      const name = modifier[1]!.toLowerCase();
      const value = modifier[2]!;
      if ((name === 'redirect' || name === 'exp') && !validDomainSpec(value)) {
        bad(raw, `${name}= needs a domain name.`, `${name}= 后面要跟域名。`, `e.g. ${name}=_spf.example.com`, `例如 ${name}=_spf.example.com`);
        continue;
      }
      if ((name === 'redirect' || name === 'exp') && terms.some((t) => t.name === name)) {
        bad(raw, `${name}= appears twice; that is a permanent error (RFC 7208 §6).`, `${name}= 出现了两次，这是永久错误（RFC 7208 §6）。`, `Keep only one ${name}=.`, `只保留一个 ${name}=。`);
        continue;
      }
      if (name !== 'redirect' && name !== 'exp') {
        const guess = MECHANISMS.has(name) ? `${name}:${value}` : undefined;
        problems.push({
          level: 'warn',
          code: 'spf.unknown-modifier',
          message: text(`"${raw}" is an unknown modifier, and receivers ignore unknown modifiers.`, `"${raw}" 是未知的修饰符，接收方会忽略它。`),
          hint: guess ? text(`Mechanisms take a colon: "${guess}".`, `机制用冒号："${guess}"。`) : text('Check the spelling; SPF knows redirect= and exp=.', '检查拼写；SPF 只认识 redirect= 和 exp=。'),
        });
      }
      terms.push({ raw, kind: 'modifier', qualifier: '+', name, value });
      continue;
    }
    const m = /^([+\-~?]?)([a-z0-9]+)(.*)$/i.exec(raw);
    const name = m?.[2]?.toLowerCase() ?? '';
    if (!m || !MECHANISMS.has(name)) {
      bad(raw, 'this is not an SPF mechanism; receivers return "permerror" for the whole record.', '这不是 SPF 机制；接收方会对整条记录返回 "permerror"。', 'Mechanisms are all, include:, a, mx, ptr, ip4:, ip6:, exists:, each optionally after +, -, ~ or ?.', '机制只有 all、include:、a、mx、ptr、ip4:、ip6:、exists:，前面可以加 +、-、~ 或 ?。');
      continue;
    }
    const qualifier = (m[1] || '+') as Qualifier;
    const rest = m[3]!;
    const term: SpfTerm = { raw, kind: 'mechanism', qualifier, name };
    if (name === 'all') {
      if (rest !== '') {
        bad(raw, '"all" takes no value.', '"all" 后面不能跟值。', 'Write just -all.', '只写 -all。');
        continue;
      }
    } else if (name === 'include' || name === 'exists') {
      if (!rest.startsWith(':') || !validDomainSpec(rest.slice(1))) {
        bad(raw, `${name} needs ":" and a domain name.`, `${name} 需要 ":" 和一个域名。`, `e.g. ${name}:_spf.example.com`, `例如 ${name}:_spf.example.com`);
        continue;
      }
      term.value = rest.slice(1);
    } else if (name === 'a' || name === 'mx' || name === 'ptr') {
      const am = /^(?::([^/]+))?(?:\/(\d{1,2}))?(?:\/\/(\d{1,3}))?$/.exec(rest);
      const cidrOk = am && (am[2] === undefined || Number(am[2]) <= 32) && (am[3] === undefined || Number(am[3]) <= 128) && (name !== 'ptr' || (am[2] === undefined && am[3] === undefined));
      if (!am || !cidrOk || (am[1] !== undefined && !validDomainSpec(am[1]))) {
        bad(raw, `this is not a valid "${name}" mechanism.`, `这不是合法的 "${name}" 机制。`, `Write "${name}" alone, or "${name}:example.com", optionally with a prefix length like "${name}/24".`, `单独写 "${name}"，或写 "${name}:example.com"，也可以加前缀长度，如 "${name}/24"。`);
        continue;
      }
      term.value = am[1];
      if (name === 'ptr') {
        problems.push({ level: 'warn', code: 'spf.ptr', message: text('"ptr" is slow and unreliable, and RFC 7208 §5.5 says it SHOULD NOT be used.', '"ptr" 又慢又不可靠，RFC 7208 §5.5 规定不应使用。'), hint: text('List the senders with a, mx, ip4: or ip6: instead.', '改用 a、mx、ip4: 或 ip6: 列出发件服务器。') });
      }
    } else if (name === 'ip4') {
      const im = /^:([\d.]+)(?:\/(\d{1,2}))?$/.exec(rest);
      if (!im || !isIPv4(im[1]!) || (im[2] !== undefined && Number(im[2]) > 32)) {
        bad(raw, 'ip4 needs ":" and an IPv4 address, optionally with /prefix (0-32).', 'ip4 需要 ":" 和一个 IPv4 地址，可带 /前缀长度（0-32）。', 'e.g. ip4:192.168.1.100 or ip4:192.168.1.0/24', '例如 ip4:192.168.1.100 或 ip4:192.168.1.0/24');
        continue;
      }
      term.value = rest.slice(1);
    } else if (name === 'ip6') {
      const im = /^:([0-9a-f:.]+)(?:\/(\d{1,3}))?$/i.exec(rest);
      if (!im || !isIPv6(im[1]!) || (im[2] !== undefined && Number(im[2]) > 128)) {
        bad(raw, 'ip6 needs ":" and an IPv6 address, optionally with /prefix (0-128).', 'ip6 需要 ":" 和一个 IPv6 地址，可带 /前缀长度（0-128）。', 'e.g. ip6:2001:db8::25', '例如 ip6:2001:db8::25');
        continue;
      }
      term.value = rest.slice(1);
    }
    terms.push(term);
  }

  const lookups = terms.filter((t) => LOOKUP_TERMS.has(t.name)).length;
  if (lookups > 10) {
    problems.push({ level: 'error', code: 'spf.too-many-lookups', message: text(`The record needs ${lookups} DNS lookups; more than 10 is a permanent error (RFC 7208 §4.6.4).`, `这条记录需要 ${lookups} 次 DNS 查询；超过 10 次就是永久错误（RFC 7208 §4.6.4）。`), hint: text('Replace some include/a/mx terms with ip4:/ip6: ranges.', '把一些 include/a/mx 换成 ip4:/ip6: 地址段。') });
  }
  const allIndex = terms.findIndex((t) => t.name === 'all');
  const all = terms[allIndex];
  if (all && all.qualifier === '+') {
    problems.push({ level: 'error', code: 'spf.plus-all', message: text(`"${all.raw}" lets every host on the Internet send as this domain: the record protects nothing.`, `"${all.raw}" 允许互联网上的任何主机以这个域名发信：这条记录什么也保护不了。`), hint: text('End the record with -all (fail everyone not listed).', '以 -all 结尾（未列出的一律 fail）。') });
  }
  if (all && terms.slice(allIndex + 1).some((t) => t.kind === 'mechanism')) {
    problems.push({ level: 'warn', code: 'spf.after-all', message: text('Mechanisms after "all" are never reached: evaluation stops at "all".', '"all" 之后的机制永远不会被用到：判断在 "all" 处就结束了。'), hint: text('Move "all" to the end.', '把 "all" 移到最后。') });
  }
  if (all && terms.some((t) => t.name === 'redirect')) {
    problems.push({ level: 'warn', code: 'spf.redirect-ignored', message: text('redirect= is ignored when the record has an "all" mechanism (RFC 7208 §6.1).', '记录里有 "all" 时 redirect= 会被忽略（RFC 7208 §6.1）。'), hint: text('Use either redirect= or all, not both.', 'redirect= 和 all 只用一个。') });
  }
  return { terms, problems, lookups };
}

export interface SpfParams {
  domain: string;
  /** Addresses that must get "pass", with a label for feedback (e.g. "mail2.example.com, an MX host"). */
  pass: Array<{ ip: string; label: string }>;
  /** Addresses that must get "fail". */
  fail: string[];
  /** The exercise asks to reject others: ~all and ?all are errors, not warnings. */
  requireFail?: boolean;
}

/** Finds, checks and evaluates the SPF record of params.domain. */
export async function checkSpf(view: ZoneView, params: SpfParams): Promise<FeedbackLine[]> {
  const domain = fqdn(params.domain);
  const lines: FeedbackLine[] = [];
  const txts = view.at(domain, 'TXT');
  const spfs = txts.filter((r) => /^v=spf1(\s|$)/i.test(txtValue(r)));
  if (view.at(domain, 'SPF').length > 0) {
    lines.push(warn('spf.spf-type', text('The SPF record type (99) is obsolete; receivers only look at TXT (RFC 7208 §3.1).', 'SPF 记录类型（99）已经废弃；接收方只看 TXT（RFC 7208 §3.1）。'), text('Publish the same text as a TXT record and remove the SPF-type record.', '把同样的内容发布为 TXT 记录，删掉 SPF 类型的记录。')));
  }
  if (spfs.length === 0) {
    const glued = txts.find((r) => /^v=spf1/i.test(txtValue(r)) && (r.strings?.length ?? 0) > 1);
    if (glued) {
      lines.push(
        error(
          'spf.strings-joined',
          text(`Line ${glued.line}: the TXT record is ${glued.strings!.length} separate strings, and DNS joins them WITHOUT spaces: "${txtValue(glued)}". That is not an SPF record.`, `第 ${glued.line} 行：这条 TXT 记录是 ${glued.strings!.length} 个独立的字符串，DNS 会把它们无空格地拼起来："${txtValue(glued)}"。这不是 SPF 记录。`),
          text(`Put the whole record inside one pair of quotes: "${glued.strings!.join(' ')}".`, `把整条记录放进一对引号里："${glued.strings!.join(' ')}"。`),
        ),
      );
      return lines;
    }
    const elsewhere = view.records.filter((r) => r.type === 'TXT' && /^v=spf1/i.test(txtValue(r))).map((r) => r.name);
    lines.push(
      error(
        'spf.missing',
        elsewhere.length > 0
          ? text(`${bare(domain)} has no SPF record; you published one at ${[...new Set(elsewhere)].map(bare).join(', ')}.`, `${bare(domain)} 没有 SPF 记录；你把它发布在了 ${[...new Set(elsewhere)].map(bare).join('、')}。`)
          : text(`${bare(domain)} has no TXT record starting with "v=spf1".`, `${bare(domain)} 没有以 "v=spf1" 开头的 TXT 记录。`),
        text(`Receivers look up SPF at the domain of the envelope sender: "${domain} IN TXT \\"v=spf1 ... -all\\"".`, `接收方在信封发件人的域名上查 SPF："${domain} IN TXT \\"v=spf1 ... -all\\""。`),
      ),
    );
    return lines;
  }
  if (spfs.length > 1) {
    lines.push(
      error(
        'spf.multiple',
        text(`${bare(domain)} has ${spfs.length} SPF records (lines ${spfs.map((r) => r.line).join(', ')}); with more than one, receivers return "permerror" and ignore them all (RFC 7208 §4.5).`, `${bare(domain)} 有 ${spfs.length} 条 SPF 记录（第 ${spfs.map((r) => r.line).join('、')} 行）；多于一条时接收方返回 "permerror"，全部作废（RFC 7208 §4.5）。`),
        text('Merge them into one record: one "v=spf1", all the mechanisms, one "-all" at the end.', '合并成一条：一个 "v=spf1"，所有机制，最后一个 "-all"。'),
      ),
    );
    return lines;
  }
  const record = spfs[0]!;
  const value = txtValue(record);
  const parsed = parseSpf(value);
  for (const p of parsed.problems) lines.push({ level: p.level, code: p.code, message: p.message, ...(p.hint ? { hint: p.hint } : {}) });
  if (parsed.problems.some((p) => p.level === 'error')) return lines;

  const all = parsed.terms.find((t) => t.name === 'all');
  const redirect = parsed.terms.some((t) => t.name === 'redirect');
  if (!all && !redirect) {
    const msg = text('The record does not end with "all": hosts it does not list get "neutral", which receivers treat like no SPF at all.', '记录没有以 "all" 结尾：没列出的主机得到 "neutral"，接收方会当作没有 SPF。');
    const hint = text('End it with -all so every other sender fails.', '以 -all 结尾，让其他发件方都 fail。');
    lines.push(params.requireFail ? error('spf.no-all', msg, hint) : warn('spf.no-all', msg, hint));
  } else if (all && (all.qualifier === '~' || all.qualifier === '?')) {
    const msg = all.qualifier === '~'
      ? text('"~all" is a soft fail: receivers accept the mail and only mark it suspicious.', '"~all" 是软失败：接收方仍会收下邮件，只标记为可疑。')
      : text('"?all" is neutral: it says nothing about other senders.', '"?all" 是中立：对其他发件方什么也没说。');
    const hint = text('Use -all to reject every sender that is not listed.', '用 -all 拒绝所有未列出的发件方。');
    lines.push(params.requireFail ? error('spf.soft-all', msg, hint) : warn('spf.soft-all', msg, hint));
  }
  lines.push(ok('spf.syntax', `The SPF record is valid: "${value}" (${parsed.lookups} DNS lookup${parsed.lookups === 1 ? '' : 's'}, at most 10 allowed).`, `SPF 记录语法正确："${value}"（${parsed.lookups} 次 DNS 查询，上限 10 次）。`));

  // Evaluate for real, as a receiving server would, against the exercise's zone only.
  const resolver = view.resolver();
  const evaluate = async (ip: string): Promise<string> => {
    const res = await mailauthSpf({ sender: `postmaster@${bare(domain)}`, ip, helo: 'client.lab.invalid', mta: 'mx.grader.maillab', resolver });
    return res.status.result;
  };
  for (const { ip, label } of params.pass) {
    const got = await evaluate(ip);
    if (got === 'pass') lines.push(ok('spf.eval-pass', `${ip} (${label}) gets "pass".`, `${ip}（${label}）得到 "pass"。`));
    else {
      lines.push(
        error(
          'spf.eval-pass',
          text(`A receiver checking mail from ${ip} (${label}) gets "${got}", not "pass": this server could not send for ${bare(domain)}.`, `接收方检查来自 ${ip}（${label}）的邮件得到 "${got}"，而不是 "pass"：这台服务器无法代表 ${bare(domain)} 发信。`),
          text(`Add a mechanism that matches ${ip}: "mx" covers the MX hosts, "a" the domain's own A record, "ip4:${ip}" this address.`, `添加能匹配 ${ip} 的机制："mx" 覆盖 MX 主机，"a" 覆盖域名自己的 A 记录，"ip4:${ip}" 覆盖这个地址。`),
        ),
      );
    }
  }
  const wrongFails: string[] = [];
  for (const ip of params.fail) {
    const got = await evaluate(ip);
    if (got !== 'fail') wrongFails.push(`${ip} → ${got}`);
  }
  const allReported = lines.some((l) => l.code === 'spf.soft-all' || l.code === 'spf.no-all');
  if (wrongFails.length === 0) {
    lines.push(ok('spf.eval-fail', `Other senders (${params.fail.join(', ')}) get "fail".`, `其他发件方（${params.fail.join('、')}）得到 "fail"。`));
  } else if (wrongFails.some((w) => w.endsWith('pass')) || (params.requireFail && !allReported)) {
    lines.push(
      error(
        'spf.eval-fail',
        text(`Senders that are not yours do not fail: ${wrongFails.join(', ')}.`, `不属于你的发件方没有被判为 fail：${wrongFails.join('、')}。`),
        text('Only list your own servers, and end with -all.', '只列出你自己的服务器，并以 -all 结尾。'),
      ),
    );
  }
  return lines;
}
