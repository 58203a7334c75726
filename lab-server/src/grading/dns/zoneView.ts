/**
 * The exercise's DNS as a grader sees it: the records the exercise gives plus the learner's,
 * with lookups and a resolver in the shape of node:dns `resolve()` for mailauth's SPF, DKIM and
 * DMARC code. The resolver answers only from these records: graders never query real DNS.
 */
import { error, text, warn, type FeedbackLine } from '../feedback.js';
import { checkHostNames } from './hostNames.js';
import { parseZone } from './zoneFile.js';
import { rdataKey, type ParsedZone, type ZoneRecord } from './zoneRecord.js';

export type DnsResolver = (name: string, type: string) => Promise<unknown[]>;

class DnsLookupError extends Error {
  constructor(
    readonly code: 'ENOTFOUND' | 'ENODATA',
    name: string,
  ) {
    super(`${code} ${name}`);
  }
}

/** Lower case, trailing dot. */
export function fqdn(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** "mail.example.com." -> "mail.example.com" (how a mail server prints it). */
export function bare(name: string): string {
  return name.endsWith('.') && name !== '.' ? name.slice(0, -1) : name;
}

export class ZoneView {
  readonly records: ZoneRecord[];
  /** The records by name: a grader asks per name, and a zone may hold thousands of names. */
  private readonly byName = new Map<string, ZoneRecord[]>();

  constructor(records: ZoneRecord[]) {
    // Identical records are one record in DNS (an RRset is a set), as BIND loads them.
    const seen = new Set<string>();
    this.records = records.filter((r) => {
      const key = `${r.name} ${r.type} ${rdataKey(r)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    for (const r of this.records) {
      const list = this.byName.get(r.name);
      if (list) list.push(r);
      else this.byName.set(r.name, [r]);
    }
  }

  /** Records at a name, optionally of one type. */
  at(name: string, type?: string): ZoneRecord[] {
    const here = this.byName.get(fqdn(name)) ?? [];
    return here.filter((r) => type === undefined || r.type === type);
  }

  hasName(name: string): boolean {
    return this.at(name).length > 0;
  }

  /** IPv4 and IPv6 addresses of a host (following one CNAME, as a resolver would). */
  addresses(name: string): string[] {
    const cname = this.at(name, 'CNAME')[0];
    const host = cname?.target ?? fqdn(name);
    return this.at(host).filter((r) => r.type === 'A' || r.type === 'AAAA').map((r) => r.address!);
  }

  /** A resolver for mailauth: node:dns result shapes, answered from this zone only. */
  resolver(): DnsResolver {
    return async (name: string, type: string) => {
      let owner = fqdn(name);
      const wanted = type.toUpperCase();
      if (!this.hasName(owner)) throw new DnsLookupError('ENOTFOUND', name);
      const cname = this.at(owner, 'CNAME')[0];
      if (cname && wanted !== 'CNAME') owner = cname.target!;
      const rrs = this.at(owner, wanted);
      if (rrs.length === 0) throw new DnsLookupError(this.hasName(owner) ? 'ENODATA' : 'ENOTFOUND', name);
      switch (wanted) {
        case 'A':
        case 'AAAA':
          return rrs.map((r) => r.address!);
        case 'MX':
          return rrs.map((r) => ({ exchange: bare(r.target!), priority: r.preference! }));
        case 'TXT':
          return rrs.map((r) => [...(r.strings ?? [])]);
        case 'CNAME':
        case 'NS':
        case 'PTR':
          return rrs.map((r) => bare(r.target!));
        default:
          return rrs.map((r) => r.rdata.join(' '));
      }
    };
  }
}

export interface ExerciseZone {
  view: ZoneView;
  answer: ParsedZone;
  /** Syntax problems and mistakes every DNS grader reports. */
  feedback: FeedbackLine[];
  /** Names that came out wrong because a trailing dot was missing (already reported). */
  mistyped: Set<string>;
}

/**
 * Parses the learner's zone text (with the exercise's origin, as named.conf would give it),
 * adds the records the exercise provides, and reports what is wrong with the text itself:
 * syntax errors with line numbers, doubled origins (a missing trailing dot), CNAMEs that share
 * a name with other data, names that must be host names and are not (BIND's check-names).
 */
export function loadExerciseZone(answer: string, origin: string, given?: string, givenOrigin?: string): ExerciseZone {
  const parsed = parseZone(answer, { origin });
  const feedback: FeedbackLine[] = parsed.problems.map((p) =>
    error(
      'zone.syntax',
      text(`Line ${p.line}: ${p.message.en}`, `第 ${p.line} 行：${p.message['zh-CN']}`),
      text('BIND refuses to load a zone with this error, so none of its records would be served. Fix the line and submit again.', 'BIND 遇到这种错误会拒绝加载整个区域，所有记录都不会生效。改好这一行再提交。'),
    ),
  );
  if (parsed.zeroedTtl) {
    const { line, written } = parsed.zeroedTtl;
    feedback.push(
      warn(
        'zone.ttl-over-max',
        text(`Line ${line}: the TTL ${written} is more than 2147483647 seconds, the most a TTL can be (RFC 2181), so BIND loads it as 0 ("> MAXTTL, setting $TTL to 0"): resolvers would not cache the record at all.`, `第 ${line} 行：TTL ${written} 超过了 TTL 的上限 2147483647 秒（RFC 2181），BIND 会把它当作 0 加载（"> MAXTTL, setting $TTL to 0"）：解析器根本不会缓存这条记录。`),
        text('Write the TTL you mean, e.g. 3600 (one hour) or 1d.', '写出你想要的 TTL，例如 3600（一小时）或 1d。'),
      ),
    );
  }
  const givenRecords = given ? parseZone(given, { origin: givenOrigin ?? origin }).records : [];
  const dots = trailingDotMistakes(parsed.records);
  const view = new ZoneView([...givenRecords, ...parsed.records]);
  // A full host name written without its dot in another zone: "mail.example.com" in the
  // reverse zone becomes mail.example.com.2.0.192.in-addr.arpa., which exists nowhere.
  for (const r of parsed.records) {
    if (!r.target || !r.targetText || dots.names.has(r.target)) continue;
    const meant = `${r.targetText.toLowerCase()}.`;
    if (!r.targetText.endsWith('.') && r.targetText.includes('.') && !view.hasName(r.target) && view.hasName(meant)) {
      dots.lines.push(missingDot(r.line, r.targetText, r.target));
      dots.names.add(r.target);
    }
  }
  feedback.push(...dots.lines);
  feedback.push(...cnameConflicts(view));
  feedback.push(...checkHostNames(parsed.records));
  return { view, answer: parsed, feedback, mistyped: dots.names };
}

/**
 * Names written without the final dot although they already end in the origin: BIND adds the
 * origin again ("mail.example.com" in example.com. becomes "mail.example.com.example.com.").
 */
export function trailingDotMistakes(records: ZoneRecord[]): { lines: FeedbackLine[]; names: Set<string> } {
  const lines: FeedbackLine[] = [];
  const names = new Set<string>();
  const forgotDot = (written: string, origin: string): boolean => {
    if (!written || written === '@' || written.endsWith('.') || origin === '.') return false;
    const asAbsolute = `${written.toLowerCase()}.`;
    return asAbsolute === origin || asAbsolute.endsWith(`.${origin}`);
  };
  for (const r of records) {
    if (forgotDot(r.ownerText, r.origin)) {
      lines.push(missingDot(r.line, r.ownerText, r.name));
      names.add(r.name);
    }
    if (r.target && r.targetText && forgotDot(r.targetText, r.origin)) {
      lines.push(missingDot(r.line, r.targetText, r.target));
      names.add(r.target);
    }
  }
  return { lines, names };
}

function missingDot(line: number, written: string, became: string): FeedbackLine {
  return error(
    'zone.missing-trailing-dot',
    text(
      `Line ${line}: "${written}" has no trailing dot, so BIND adds the origin and reads it as "${became}".`,
      `第 ${line} 行："${written}" 结尾没有点，BIND 会再加上 origin，读成 "${became}"。`,
    ),
    text(`Write the full name with a final dot ("${written}.") or only the part before the origin.`, `写完整名字并以点结尾（"${written}."），或者只写 origin 前面的部分。`),
  );
}

function cnameConflicts(view: ZoneView): FeedbackLine[] {
  const lines: FeedbackLine[] = [];
  const names = new Set(view.records.filter((r) => r.type === 'CNAME').map((r) => r.name));
  for (const name of names) {
    const targets = new Set(view.at(name).flatMap((r) => (r.type === 'CNAME' && r.target ? [r.target] : [])));
    if (targets.size > 1) {
      // BIND: "multiple RRs of singleton type"; a name is an alias of one name only.
      lines.push(
        error(
          'zone.many-cnames',
          text(`${name} has ${targets.size} CNAME records (${[...targets].join(', ')}): a name can be an alias of one name only.`, `${name} 有 ${targets.size} 条 CNAME 记录（${[...targets].join('、')}）：一个名字只能是一个名字的别名。`),
          text('Keep one CNAME; for several addresses, give the name A/AAAA records instead.', '只保留一条 CNAME；需要多个地址时，改用 A/AAAA 记录。'),
        ),
      );
    }
    const others = view.at(name).filter((r) => r.type !== 'CNAME');
    if (others.length > 0) {
      lines.push(
        error(
          'zone.cname-with-data',
          text(`${name} has a CNAME and other records (${[...new Set(others.map((r) => r.type))].join(', ')}): a CNAME must be alone at its name (RFC 1034 §3.6.2).`, `${name} 既有 CNAME 又有其他记录（${[...new Set(others.map((r) => r.type))].join('、')}）：CNAME 所在的名字不能有别的记录（RFC 1034 §3.6.2）。`),
          text('Replace the CNAME with A/AAAA records, or move the other records to another name.', '把 CNAME 换成 A/AAAA 记录，或者把其他记录放到别的名字上。'),
        ),
      );
    }
  }
  return lines;
}
