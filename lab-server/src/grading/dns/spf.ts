/**
 * SPF records (RFC 7208): a parser for the record's terms that explains each mistake. The
 * grader that finds and evaluates the record is spfCheck.ts.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { text, type Text } from '../feedback.js';

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
  if (value.includes('%')) return /^([^%]|%%|%_|%-|%\{[slodiphv]\d*r?[.\-+,/_=]*\})+$/i.test(value);
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
    const explainOnly = /%\{[crt]/i.exec(raw);
    if (explainOnly) {
      bad(
        raw,
        `the macro ${explainOnly[0]}} belongs only in the explanation text (the TXT record exp= points at), never in the record itself; receivers return "permerror" (RFC 7208 §7.2).`,
        `宏 ${explainOnly[0]}} 只能用在解释文本里（exp= 指向的 TXT 记录），不能写在记录本身；接收方会返回 "permerror"（RFC 7208 §7.2）。`,
        'In the record use %{s}, %{l}, %{o}, %{d}, %{i}, %{p}, %{h} or %{v}.',
        '记录里只能用 %{s}、%{l}、%{o}、%{d}、%{i}、%{p}、%{h} 或 %{v}。',
      );
      continue;
    }
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
        bad(raw, 'ip4 needs ":" and an IPv4 address, optionally with /prefix (0-32).', 'ip4 需要 ":" 和一个 IPv4 地址，可带 /前缀长度（0-32）。', 'e.g. ip4:192.0.2.25 or ip4:192.0.2.0/24', '例如 ip4:192.0.2.25 或 ip4:192.0.2.0/24');
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
