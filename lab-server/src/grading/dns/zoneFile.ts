/**
 * A zone-file parser that reads master files the way BIND does (RFC 1035 §5.1): `$ORIGIN`,
 * `$TTL`, `@`, relative and absolute names, an omitted owner meaning the previous one, TTL and
 * class in either order, parentheses across lines, quoted strings with `\X` and `\DDD`
 * escapes, several strings in one TXT record, `;` comments.
 *
 * It never throws: whatever the text, it returns the records it could read and a list of
 * problems with line numbers, so a grader can tell the learner exactly where BIND would stop.
 */
import { text, type Text } from '../feedback.js';
import { directiveOf, readDirective } from './zoneDirectives.js';
import { absoluteName, MAX_TTL, parseTtl } from './zoneNames.js';
import { checkedOpaqueRdata, checkedOpaqueType, genericRdata, isOpaqueType, opaqueRdata, typeByNumber } from './zoneGeneric.js';
import { readRdata } from './zoneRdata.js';
import type { ParsedZone, ZoneProblem, ZoneRecord } from './zoneRecord.js';
import { tokenize, type Token } from './zoneTokens.js';

export { absoluteName, parseTtl };

export const KNOWN_TYPES = new Set(['A', 'AAAA', 'MX', 'CNAME', 'NS', 'PTR', 'TXT', 'SPF', 'SOA', 'SRV', 'CAA']);
const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);
const NUMBERED_CLASSES: Record<number, string> = { 0: 'IN', 1: 'IN', 3: 'CH', 4: 'HS', 254: 'NONE', 255: 'ANY' };

/** A class word as BIND reads it: IN, CH, HS, CS, or RFC 3597's CLASSnnn (CLASS1 is IN; BIND loads CLASS0 as the zone's IN too). */
function classOf(word: string): string | undefined {
  const upper = word.toUpperCase();
  if (CLASSES.has(upper)) return upper;
  const m = /^CLASS(\d+)$/.exec(upper);
  if (!m || Number(m[1]) > 65535) return undefined;
  return NUMBERED_CLASSES[Number(m[1])] ?? `CLASS${Number(m[1])}`;
}
const DEFAULT_TTL = 3600;

/** Parses zone-file text. `origin` is the zone's name, as the zone statement of named.conf gives it. */
export function parseZone(source: string, options: { origin?: string; defaultTtl?: number } = {}): ParsedZone {
  const problems: ZoneProblem[] = [];
  const records: ZoneRecord[] = [];
  let origin = options.origin ? (absoluteName(options.origin, '.').name ?? undefined) : undefined;
  const zoneTop = origin;
  let untimedLine: number | undefined;
  let zeroedTtl: ParsedZone['zeroedTtl'];
  // BIND loads a TTL past MAX_TTL as 0, with a warning (RFC 2181 §8).
  const capped = (written: string, value: number, line: number): number => {
    if (value <= MAX_TTL) return value;
    zeroedTtl ??= { line, written };
    return 0;
  };
  try {
    let ttlDefault: number | undefined = options.defaultTtl;
    let lastTtl: number | undefined;
    let previousOwner: string | undefined;
    for (const logical of tokenize(source, problems)) {
      const { tokens, line } = logical;
      const first = tokens[0]!;
      const directive = directiveOf(logical);
      if (directive) {
        const set = readDirective(logical, directive, origin, problems);
        origin = set.origin ?? origin;
        if (set.ttl !== undefined) ttlDefault = capped(logical.tokens[1]!.raw, set.ttl, line);
        continue;
      }

      let k = 0;
      let owner: string | undefined;
      let ownerText = '';
      if (logical.blankOwner) {
        owner = previousOwner;
        if (!owner) {
          problems.push({ line, message: text('This line starts with a space, which means "same owner as the record above", but there is no record above. Write the owner name (or @) at the start of the line.', '这一行以空格开头，表示"与上一条记录同名"，但上面没有记录。请在行首写出名字（或 @）。') });
          continue;
        }
      } else {
        ownerText = first.raw;
        k = 1;
        if (!first.quoted && first.raw.toUpperCase() === 'IN') {
          problems.push({ line, message: ownerIsKeyword(first.raw, tokens) });
          continue;
        }
        // BIND reads an owner in quotes as the name written inside them ("@" too); "" it cannot read.
        const written = first.quoted ? first.raw.replace(/^"|"$/g, '') : first.raw;
        if (written === '') {
          problems.push({ line, message: text('"" is no owner name: BIND stops reading the zone here ("unexpected end of input"). Write the name, or @, without quotes.', '"" 不是记录名：BIND 读到这里就停了（"unexpected end of input"）。写出名字或 @，不要加引号。') });
          continue;
        }
        const parsed = absoluteName(written, origin);
        if (!parsed.name) {
          problems.push({ line, message: parsed.problem! });
          continue;
        }
        owner = parsed.name;
      }
      previousOwner = owner;

      const startsWithType = !logical.blankOwner && KNOWN_TYPES.has(first.raw.toUpperCase());
      const fail = (message: Text): void => {
        problems.push({ line, message: startsWithType ? ownerIsKeyword(first.raw, tokens) : message });
      };
      let ttl: number | undefined;
      let klass: string | undefined;
      let classWord = '';
      for (let n = 0; n < 2 && k < tokens.length; n++) {
        const t = tokens[k]!;
        if (t.quoted) break;
        const asTtl = parseTtl(t.raw);
        if (asTtl !== undefined && ttl === undefined) {
          ttl = capped(t.raw, asTtl, line);
          k++;
        } else if (classOf(t.raw) && klass === undefined) {
          klass = classOf(t.raw);
          classWord = t.raw;
          k++;
        } else break;
      }
      if (klass && klass !== 'IN') {
        // Named as written: a learner who wrote CLASS3 is told CLASS3 (CH), not only CH.
        const named = classWord.toUpperCase() === klass ? klass : `${classWord} (${klass})`;
        fail(text(`Class ${named} is not the Internet class: BIND refuses the zone ("bad class"). Write IN (or leave the class out).`, `${named} 不是 Internet 类：BIND 会拒绝整个区域（"bad class"）。请写 IN（或者省略类）。`));
        continue;
      }
      const typeToken = tokens[k];
      if (!typeToken) {
        fail(text('The record type is missing (A, MX, TXT, PTR, ...).', '缺少记录类型（A、MX、TXT、PTR……）。'));
        continue;
      }
      let type = typeByNumber(typeToken.raw);
      // A type BIND knows no format for (private use, unassigned): served as the bytes written.
      const opaque = !typeToken.quoted && isOpaqueType(type);
      if (opaque) type = `TYPE${Number(type.slice(4))}`;
      // One whose data BIND checks (TLSA, SSHFP...): served as bytes too, given in the generic form.
      const checked = typeToken.quoted ? undefined : checkedOpaqueType(type);
      const checkedData = checked ? checkedOpaqueRdata(checked, tokens.slice(k + 1)) : undefined;
      if (checkedData) type = checkedData.type;
      if (typeToken.quoted || (!KNOWN_TYPES.has(type) && !opaque && !checkedData)) {
        fail(
          isMetaType(type)
            ? text(`${typeToken.raw} is a meta type (a kind of question, or OPT), not one of data: BIND refuses the zone ("invalid use of a meta type"). Remove the record.`, `${typeToken.raw} 是元类型（用于查询或 OPT），不是数据类型：BIND 会拒绝整个区域（"invalid use of a meta type"）。请删掉这条记录。`)
            : /^TYPE\d+$/.test(type)
            ? numberedTypeProblem(typeToken.raw, type)
            : text(`"${typeToken.raw}" is not a record type the lab knows (A, AAAA, MX, CNAME, NS, PTR, TXT, SOA, SRV, CAA). Check the order: name, [TTL], [IN], type, data.`, `"${typeToken.raw}" 不是实验环境认识的记录类型（A、AAAA、MX、CNAME、NS、PTR、TXT、SOA、SRV、CAA）。检查顺序：名字、[TTL]、[IN]、类型、数据。`),
        );
        continue;
      }
      // RFC 3597's "\# length hex", read back into the usual form.
      const generic = checkedData ?? (opaque ? opaqueRdata(type, tokens.slice(k + 1)) : genericRdata(type, tokens.slice(k + 1)));
      if (generic?.problem) {
        fail(generic.problem);
        continue;
      }
      const rdataTokens = generic?.tokens ?? tokens.slice(k + 1);
      const record: ZoneRecord = {
        name: owner,
        ttl: ttl ?? ttlDefault ?? lastTtl ?? DEFAULT_TTL,
        type,
        line,
        ownerText,
        origin: origin ?? '.',
        rdata: rdataTokens.map((t) => t.raw),
      };
      if (ttl === undefined && ttlDefault === undefined && lastTtl === undefined && type !== 'SOA') untimedLine ??= line;
      lastTtl = record.ttl;
      const problem = readRdata(record, rdataTokens, origin);
      if (problem) {
        fail(problem);
        continue;
      }
      if (type === 'SOA' && zoneTop && owner !== zoneTop) {
        fail(text(`An SOA record belongs at the top of the zone (${zoneTop}), not at ${owner}: BIND refuses the zone ("not at top of zone"). Write its owner as @.`, `SOA 记录只能位于区域顶点（${zoneTop}），不能在 ${owner}：BIND 会拒绝加载（"not at top of zone"）。把它的名字写成 @。`));
        continue;
      }
      records.push(record);
    }
    // BIND gives every record of an RRset the first one's TTL ("TTL set to prior TTL").
    const rrsetTtl = new Map<string, number>();
    for (const r of records) {
      const key = `${r.name} ${r.type}`;
      const first = rrsetTtl.get(key);
      if (first === undefined) rrsetTtl.set(key, r.ttl);
      else r.ttl = first;
    }
  } catch (err) {
    // A parser bug must never become a crash for the learner.
    problems.push({ line: 0, message: text(`The zone could not be read (${(err as Error).message}).`, `无法读取这个区域文件（${(err as Error).message}）。`) });
  }
  problems.sort((a, b) => a.line - b.line);
  const parsed: ParsedZone = { records, problems, origin: origin ?? '.' };
  if (untimedLine !== undefined) parsed.untimedLine = untimedLine;
  if (zeroedTtl) parsed.zeroedTtl = zeroedTtl;
  return parsed;
}

/** BIND's meta types, never data in a zone: 0, OPT (41), and 128-255 (TKEY, TSIG, IXFR, AXFR, ANY...). */
function isMetaType(type: string): boolean {
  const m = /^TYPE(\d{1,5})$/.exec(type);
  const n = m ? Number(m[1]) : -1;
  return n === 0 || n === 41 || (n >= 128 && n <= 255);
}

/**
 * A type written TYPEn that the lab does not take. BIND reads "TYPE" and at most five digits, up to
 * 65535: anything else is no type to it ("unknown class/type"). A number it does know is not served
 * by the lab; whether BIND would load it depends on the data (it checks HINFO's, TLSA's...), so
 * nothing is claimed about BIND there.
 */
function numberedTypeProblem(written: string, type: string): Text {
  const digits = type.slice(4);
  if (digits.length > 5 || Number(digits) > 65535) {
    const fix = Number(digits) <= 65535 ? `write it TYPE${Number(digits)}` : 'type numbers go up to 65535';
    const fixZh = Number(digits) <= 65535 ? `请写成 TYPE${Number(digits)}` : '类型号最大是 65535';
    return text(
      `"${written}" is no record type: BIND reads "TYPE" followed by at most five digits, a number up to 65535, and refuses the zone ("unknown class/type"). Use the type's name (A, MX, TXT...) or its number: ${fix}.`,
      `"${written}" 不是记录类型：BIND 只认 "TYPE" 后跟最多五位数字、不超过 65535 的数，会拒绝整个区域（"unknown class/type"）。请用类型名（A、MX、TXT……）或它的编号：${fixZh}。`,
    );
  }
  return text(
    `${written} is a type the lab does not serve: the lab serves A, AAAA, MX, CNAME, NS, PTR, TXT, SOA, SRV and CAA (and, in the generic form "\\# length hex", the types that have no data format of their own, such as the private-use TYPE65280). Remove the record.`,
    `${written} 是实验环境不提供的类型：实验环境只提供 A、AAAA、MX、CNAME、NS、PTR、TXT、SOA、SRV 和 CAA（以及以通用形式 "\\# 长度 十六进制" 写的、没有自己数据格式的类型，例如私用的 TYPE65280）。请删掉这条记录。`,
  );
}

function ownerIsKeyword(word: string, tokens: Token[]): Text {
  const line = tokens.map((t) => t.raw).join(' ');
  return text(
    `The line starts with "${word}", so BIND reads it as the owner name. Write the owner first (e.g. "@ ${line}"), or indent the line to reuse the owner of the record above.`,
    `这一行以 "${word}" 开头，BIND 会把它当成记录名。请先写名字（例如 "@ ${line}"），或者在行首留空格沿用上一条记录的名字。`,
  );
}
