/**
 * DMARC policy records (RFC 7489 §6.3-6.4): found at _dmarc.<domain>, v=DMARC1 first, a policy
 * as asked, aggregate reports to mailto: URIs, and the optional tags in range. The record is
 * then looked up the way mailauth's receiver code does, answered from the exercise's zone.
 */
import { createRequire } from 'node:module';
import { error, ok, text, warn, type FeedbackLine, type Text } from '../feedback.js';
import { parseTagList } from './dkim.js';
import { withDmarcSpacingRead } from './dmarcSpacing.js';
import { txtValue } from './zoneRecord.js';
import { bare, fqdn, type ZoneView } from './zoneView.js';

const require = createRequire(import.meta.url);
const getDmarcRecord = require('mailauth/lib/dmarc/get-dmarc-record') as (domain: string, resolver: unknown) => Promise<false | Record<string, unknown>>;

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface DmarcProblem {
  level: 'warn' | 'error';
  code: string;
  message: Text;
  hint?: Text;
}

export interface ParsedDmarc {
  tags: Map<string, string>;
  /** Tag names in the order written. */
  order: string[];
  rua: string[];
  problems: DmarcProblem[];
}

const POLICIES = ['none', 'quarantine', 'reject'];
const KNOWN_TAGS = ['v', 'p', 'sp', 'rua', 'ruf', 'pct', 'adkim', 'aspf', 'fo', 'rf', 'ri'];
const MAILTO = /^mailto:([^\s@!,]+@[a-z0-9.-]+\.[a-z]{2,})(![0-9]+[kmgt]?)?$/i;

function closest(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (KNOWN_TAGS.includes(lower)) return lower;
  return KNOWN_TAGS.find((t) => t.length > 1 && (lower.startsWith(t) || t.startsWith(lower)));
}

/** Parses a DMARC record. Never throws. */
export function parseDmarc(record: string): ParsedDmarc {
  const list = parseTagList(record);
  const problems: DmarcProblem[] = list.problems.map((m) => ({ level: 'error', code: 'dmarc.syntax', message: m, hint: text('Write tag=value pairs separated by ";", e.g. "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com".', '用 ";" 分隔 tag=value，例如 "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"。') }));
  const tags = new Map(list.tags.map((t) => [t.name.toLowerCase(), t.value]));
  const order = list.tags.map((t) => t.name.toLowerCase());
  const bad = (code: string, en: string, zh: string, hintEn: string, hintZh: string): void => {
    problems.push({ level: 'error', code, message: text(en, zh), hint: text(hintEn, hintZh) });
  };
  if (order[0] !== 'v' || tags.get('v')?.toUpperCase() !== 'DMARC1') {
    bad('dmarc.version', 'The record must begin with "v=DMARC1"; receivers ignore records that do not (RFC 7489 §6.4).', '记录必须以 "v=DMARC1" 开头；不是这样开头的记录会被接收方忽略（RFC 7489 §6.4）。', 'Put "v=DMARC1;" first, and separate the tags with ";".', '把 "v=DMARC1;" 放在最前面，标签之间用 ";" 分隔。');
    return { tags, order, rua: [], problems };
  }
  if (tags.get('v') !== 'DMARC1') {
    // RFC 7489's grammar spells the version with %x44 %x4d ...: exactly "DMARC1", in capitals.
    bad('dmarc.version-case', `"v=${tags.get('v')}" is not "v=DMARC1": the version is case-sensitive (RFC 7489 §6.4), and receivers discard the record.`, `"v=${tags.get('v')}" 不是 "v=DMARC1"：版本号区分大小写（RFC 7489 §6.4），接收方会丢弃这条记录。`, 'Write "v=DMARC1" in capitals.', '用大写写成 "v=DMARC1"。');
    return { tags, order, rua: [], problems };
  }
  const p = tags.get('p');
  if (p === undefined) {
    bad('dmarc.no-policy', 'The record has no p= tag: without a policy it is not a DMARC policy record.', '记录没有 p= 标签：没有策略就不是 DMARC 策略记录。', 'Add p=none, p=quarantine or p=reject right after v=DMARC1.', '在 v=DMARC1 之后加上 p=none、p=quarantine 或 p=reject。');
  } else if (!POLICIES.includes(p.toLowerCase())) {
    bad('dmarc.bad-policy', `p=${p} is not a policy.`, `p=${p} 不是合法的策略。`, 'Use none, quarantine or reject.', '只能用 none、quarantine 或 reject。');
  } else if (order[1] !== 'p') {
    problems.push({ level: 'warn', code: 'dmarc.p-order', message: text('p= should come right after v=DMARC1 (RFC 7489 §6.4 grammar).', 'p= 应该紧跟在 v=DMARC1 之后（RFC 7489 §6.4 语法）。'), hint: text('Move p= to the second place.', '把 p= 移到第二位。') });
  }
  const sp = tags.get('sp');
  if (sp !== undefined && !POLICIES.includes(sp.toLowerCase())) bad('dmarc.bad-subdomain-policy', `sp=${sp} is not a policy.`, `sp=${sp} 不是合法的策略。`, 'Use none, quarantine or reject.', '只能用 none、quarantine 或 reject。');
  for (const a of ['adkim', 'aspf']) {
    const value = tags.get(a);
    if (value !== undefined && !['r', 's'].includes(value.toLowerCase())) bad('dmarc.bad-alignment', `${a}=${value} is not an alignment mode.`, `${a}=${value} 不是合法的对齐模式。`, `Use ${a}=r (relaxed) or ${a}=s (strict).`, `用 ${a}=r（宽松）或 ${a}=s（严格）。`);
  }
  const pct = tags.get('pct');
  if (pct !== undefined && (!/^\d{1,3}$/.test(pct) || Number(pct) > 100)) bad('dmarc.bad-pct', `pct=${pct} must be a whole number from 0 to 100.`, `pct=${pct} 必须是 0 到 100 的整数。`, 'Leave pct out (it means 100) or write e.g. pct=100.', '省略 pct（默认 100），或写 pct=100 之类。');
  const ri = tags.get('ri');
  if (ri !== undefined && !/^\d+$/.test(ri)) bad('dmarc.bad-ri', `ri=${ri} must be a number of seconds.`, `ri=${ri} 必须是秒数。`, 'e.g. ri=86400 (one day), or leave it out.', '例如 ri=86400（一天），或者省略。');
  const fo = tags.get('fo');
  if (fo !== undefined && !fo.split(':').every((x) => ['0', '1', 'd', 's'].includes(x.trim()))) bad('dmarc.bad-fo', `fo=${fo} must be made of 0, 1, d and s separated by ":".`, `fo=${fo} 只能由 0、1、d、s 组成，用 ":" 分隔。`, 'e.g. fo=1, or leave it out.', '例如 fo=1，或者省略。');
  const rua: string[] = [];
  for (const tag of ['rua', 'ruf']) {
    const value = tags.get(tag);
    if (value === undefined) continue;
    for (const uri of value.split(',').map((u) => u.trim())) {
      const m = MAILTO.exec(uri);
      if (!m) {
        bad('dmarc.report-uri', `${tag}=${value}: "${uri}" is not a mailto: URI.`, `${tag}=${value}："${uri}" 不是 mailto: 形式的 URI。`, `Write the address as a URI: ${tag}=mailto:dmarc@example.com (several separated by ",").`, `把地址写成 URI：${tag}=mailto:dmarc@example.com（多个用 "," 分隔）。`);
      } else if (tag === 'rua') rua.push(m[1]!.toLowerCase());
    }
  }
  for (const name of order) {
    if (!KNOWN_TAGS.includes(name)) {
      const guess = closest(name);
      problems.push({ level: 'warn', code: 'dmarc.unknown-tag', message: text(`Receivers ignore the unknown tag "${name}".`, `接收方会忽略未知标签 "${name}"。`), hint: guess ? text(`Did you mean "${guess}"?`, `你是想写 "${guess}" 吗？`) : text('Check the spelling against RFC 7489 §6.3.', '对照 RFC 7489 §6.3 检查拼写。') });
    }
  }
  return { tags, order, rua, problems };
}

export interface DmarcParams {
  domain: string;
  policy: DmarcPolicy;
  rua: string[];
  subdomainPolicy?: DmarcPolicy;
  adkim?: 'r' | 's';
  aspf?: 'r' | 's';
}

export async function checkDmarc(view: ZoneView, params: DmarcParams): Promise<FeedbackLine[]> {
  const domain = fqdn(params.domain);
  const name = `_dmarc.${domain}`;
  const lines: FeedbackLine[] = [];
  const records = view.at(name, 'TXT').filter((r) => /^v\s*=\s*dmarc1/i.test(txtValue(r).trim()));
  if (records.length === 0) {
    const elsewhere = view.records.filter((r) => r.type === 'TXT' && /^\s*v\s*=\s*dmarc1/i.test(txtValue(r))).map((r) => r.name);
    lines.push(
      error(
        'dmarc.missing',
        elsewhere.length > 0
          ? text(`There is no DMARC record at ${bare(name)}; you published one at ${[...new Set(elsewhere)].map(bare).join(', ')}.`, `${name} 没有 DMARC 记录；你把它发布在了 ${[...new Set(elsewhere)].map(bare).join('、')}。`)
          : text(`There is no TXT record starting with "v=DMARC1" at ${bare(name)}.`, `${name} 没有以 "v=DMARC1" 开头的 TXT 记录。`),
        text(`Receivers look for the policy at "_dmarc." + the From: domain: "${name}" (or "_dmarc" relative to ${domain}).`, `接收方在 "_dmarc." + From: 域名处查找策略："${name}"（相对 ${domain} 可写 "_dmarc"）。`),
      ),
    );
    return lines;
  }
  if (records.length > 1) {
    lines.push(error('dmarc.multiple', text(`${bare(name)} has ${records.length} DMARC records; with more than one, receivers apply no policy at all (RFC 7489 §6.6.3).`, `${bare(name)} 有 ${records.length} 条 DMARC 记录；多于一条时接收方不会应用任何策略（RFC 7489 §6.6.3）。`), text('Keep exactly one record.', '只保留一条记录。')));
    return lines;
  }
  const value = txtValue(records[0]!).trim();
  const parsed = parseDmarc(value);
  for (const p of parsed.problems) lines.push({ level: p.level, code: p.code, message: p.message, ...(p.hint ? { hint: p.hint } : {}) });
  if (parsed.problems.some((p) => p.level === 'error')) return lines;

  const policy = parsed.tags.get('p')!.toLowerCase();
  if (policy !== params.policy) {
    lines.push(error('dmarc.policy', text(`The policy is p=${policy}, but the exercise asks for p=${params.policy}.`, `策略是 p=${policy}，但题目要求 p=${params.policy}。`), text(`Write p=${params.policy}.`, `写 p=${params.policy}。`)));
  } else {
    lines.push(ok('dmarc.policy', `The policy is p=${policy}.`, `策略是 p=${policy}。`));
  }
  const missing = params.rua.map((a) => a.toLowerCase()).filter((a) => !parsed.rua.includes(a));
  if (missing.length > 0) {
    lines.push(error('dmarc.rua', text(`Aggregate reports do not go to ${missing.join(', ')}${parsed.rua.length ? ` (rua has ${parsed.rua.join(', ')})` : ' (there is no rua= tag)'}.`, `汇总报告没有发往 ${missing.join('、')}${parsed.rua.length ? `（rua 里是 ${parsed.rua.join('、')}）` : '（没有 rua= 标签）'}。`), text(`Add rua=mailto:${missing[0]}.`, `加上 rua=mailto:${missing[0]}。`)));
  } else if (params.rua.length > 0) {
    lines.push(ok('dmarc.rua', `Aggregate reports go to ${parsed.rua.join(', ')}.`, `汇总报告发往 ${parsed.rua.join('、')}。`));
  }
  const outside = parsed.rua.filter((a) => {
    const d = `${a.split('@')[1]}.`;
    return d !== domain && !d.endsWith(`.${domain}`);
  });
  if (outside.length > 0) {
    lines.push(warn('dmarc.rua-external', text(`${outside.join(', ')} is outside ${bare(domain)}: that domain must publish an authorization record (RFC 7489 §7.1) or receivers will not send reports there.`, `${outside.join('、')} 不在 ${bare(domain)} 之内：对方域名必须发布授权记录（RFC 7489 §7.1），否则接收方不会把报告发过去。`), text(`Use an address in ${bare(domain)}, or publish ${bare(domain)}._report._dmarc.<their domain>.`, `用 ${bare(domain)} 内的地址，或在对方域名发布 ${bare(domain)}._report._dmarc.<对方域名>。`)));
  }
  const pct = parsed.tags.get('pct');
  if (pct !== undefined && Number(pct) < 100) {
    // pct= sends the rest one step softer (RFC 7489 §6.6.4): not the enforcement asked for.
    const message = text(`pct=${pct}: the policy applies to only ${pct}% of failing mail; the rest is treated one step softer${policy === 'reject' ? ' (quarantined)' : policy === 'quarantine' ? ' (delivered normally)' : ''}.`, `pct=${pct}：策略只对 ${pct}% 的失败邮件生效，其余的按低一级处理${policy === 'reject' ? '（隔离）' : policy === 'quarantine' ? '（正常投递）' : ''}。`);
    const hint = text('Remove pct= (it means 100%) so the policy covers all failing mail. (The DMARCbis draft drops pct= altogether.)', '删掉 pct=（默认就是 100%），让策略覆盖全部失败邮件。（DMARCbis 草案已完全去掉 pct=。）');
    lines.push(params.policy === 'none' ? warn('dmarc.pct', message, hint) : error('dmarc.pct', message, hint));
  }
  const compare = (tag: string, wanted: string | undefined, fallback: string): void => {
    if (wanted === undefined) return;
    const got = (parsed.tags.get(tag) ?? fallback).toLowerCase();
    if (got !== wanted) lines.push(error(`dmarc.${tag}`, text(`${tag}=${got}${parsed.tags.has(tag) ? '' : ' (the default)'}, but the exercise asks for ${tag}=${wanted}.`, `${tag}=${got}${parsed.tags.has(tag) ? '' : '（默认值）'}，但题目要求 ${tag}=${wanted}。`), text(`Write ${tag}=${wanted}.`, `写 ${tag}=${wanted}。`)));
    else lines.push(ok(`dmarc.${tag}`, `${tag}=${got} as asked.`, `${tag}=${got}，符合要求。`));
  };
  compare('sp', params.subdomainPolicy, policy);
  compare('adkim', params.adkim, 'r');
  compare('aspf', params.aspf, 'r');

  // What a receiver really finds, through mailauth's own lookup (spaces around "=" read as OpenDMARC reads them).
  const found = await getDmarcRecord(bare(domain), withDmarcSpacingRead(view.resolver())).catch(() => false as const);
  if (found && String(found.p).toLowerCase() === policy) {
    lines.push(ok('dmarc.found', `A receiver looking up ${name} finds your policy (p=${policy}).`, `接收方查询 ${name} 能找到你的策略（p=${policy}）。`));
  } else {
    lines.push(error('dmarc.found', text(`A receiver looking up ${name} does not find a usable policy.`, `接收方查询 ${name} 找不到可用的策略。`), text('Make sure there is exactly one TXT record there, starting with v=DMARC1.', '确保那里只有一条以 v=DMARC1 开头的 TXT 记录。')));
  }
  return lines;
}
