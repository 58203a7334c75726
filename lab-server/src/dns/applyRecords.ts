/**
 * "Apply to my lab": records written in a DNS exercise go live in the learner's zone. Each
 * record set of the answer (same owner and type) replaces that set in the zone — the old
 * lines are commented out, so nothing is lost — and the answer's records are appended in
 * absolute form. The SOA stays the zone's own. The result is checked like any other save.
 */
import { parseZone } from '../grading/dns/zoneFile.js';
import type { ZoneRecord } from '../grading/dns/zoneRecord.js';
import { quoteTxt } from './txtText.js';

export interface Applied {
  text: string;
  /** Record sets that existed and were replaced. */
  replaced: string[];
  added: number;
}

/** The lines (0-based, inclusive) a record starting on 1-based `line` spans: it runs on while a "(" is open. */
function extent(lines: string[], line: number): [number, number] {
  let depth = 0;
  for (let i = line - 1; i < lines.length; i++) {
    let quoted = false;
    for (const c of lines[i]!) {
      if (c === '"') quoted = !quoted;
      else if (!quoted && c === ';') break;
      else if (!quoted && c === '(') depth++;
      else if (!quoted && c === ')') depth--;
    }
    if (depth <= 0) return [line - 1, i];
  }
  return [line - 1, lines.length - 1];
}

/**
 * A name as zone-file text, as BIND writes it: the parser keeps names unescaped ("a\032b" is
 * "a b"), so a blank or ( ) ; " \ @ $ inside a label is escaped again, or BIND reads another name.
 */
function zoneName(name: string): string {
  return name.replace(/[\\()";@$]/g, '\\$&').replace(/[\x00-\x20\x7f]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`);
}

/** One record in absolute zone-file form. */
export function recordLine(r: ZoneRecord): string {
  const head = `${zoneName(r.name)} ${r.ttl} IN ${r.type}`;
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return `${head} ${r.address}`;
    case 'MX':
      return `${head} ${r.preference} ${zoneName(r.target!)}`;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return `${head} ${zoneName(r.target!)}`;
    case 'TXT':
    case 'SPF':
      return `${head} ${(r.bytes ?? (r.strings ?? []).map((t) => Buffer.from(t, 'utf8'))).map(quoteTxt).join(' ')}`;
    case 'SRV':
      return `${head} ${r.rdata.slice(0, 3).join(' ')} ${zoneName(r.target!)}`;
    default:
      return `${head} ${r.rdata.join(' ')}`;
  }
}

export function applyRecords(zoneText: string, zone: string, answer: string): Applied {
  const origin = `${zone}.`;
  const incoming = parseZone(answer, { origin }).records.filter((r) => r.type !== 'SOA');
  const sets = new Set(incoming.map((r) => `${r.name} ${r.type}`));
  const lines = zoneText.split('\n');
  const replaced = new Set<string>();
  const commented = new Set<number>();
  const existing = parseZone(zoneText, { origin }).records;
  for (const r of existing) {
    const key = `${r.name} ${r.type}`;
    if (!sets.has(key)) continue;
    replaced.add(key);
    const [from, to] = extent(lines, r.line);
    for (let i = from; i <= to; i++) commented.add(i);
  }
  // A line that starts with blanks takes the owner of the record above it; once lines are
  // commented out that could be another owner, so such lines get their owner written out.
  const owners = new Map<number, string>();
  if (commented.size > 0) for (const r of existing) if (r.ownerText === '' && !commented.has(r.line - 1)) owners.set(r.line - 1, r.name);
  const kept = lines.map((l, i) => (commented.has(i) ? `; (replaced) ${l}` : owners.has(i) ? `${owners.get(i)}${l}` : l));
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  const added = incoming.map(recordLine);
  const text = [...kept, '', '; Applied from an exercise answer / 从练习答案应用', ...added, ''].join('\n');
  return { text, replaced: [...replaced], added: added.length };
}
