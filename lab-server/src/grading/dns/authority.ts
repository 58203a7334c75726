/**
 * The authoritative data of one sandbox: its zones, loaded from zone-file text with the
 * graders' parser, and the lookup an authoritative server does (RFC 1034 §4.3.2, without
 * delegations): exact match, CNAME, wildcard, NODATA and NXDOMAIN with the zone's SOA in the
 * authority section (RFC 2308), addresses of MX/NS/SRV targets in the additional section.
 *
 * A zone that BIND would refuse to load (a syntax error, no SOA or NS, a CNAME next to other
 * data) is loaded as broken: questions about its names get SERVFAIL, as from a server whose
 * zone failed to load.
 *
 * It is here, beside the zone-file parser, rather than in dns/: the lab's DNS server answers
 * from it, and so do graders that look at the zones as they are now (grading/world).
 */
import type { Answer } from 'dns-packet';
import { absoluteName, parseTtl, parseZone } from './zoneFile.js';
import { escapedBytes } from './zoneEscapes.js';
import { servedTypeName } from './zoneGeneric.js';
import { rdataKey, type ZoneRecord } from './zoneRecord.js';

export type Rcode = 'NOERROR' | 'SERVFAIL' | 'NXDOMAIN' | 'REFUSED';

export interface Lookup {
  rcode: Rcode;
  /** Authoritative answer: the name is in one of our zones. */
  aa: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

interface Zone {
  origin: string;
  broken: boolean;
  byName: Map<string, ZoneRecord[]>;
  /** Every name with data, and every name between them and the apex (empty non-terminals). */
  nodes: Set<string>;
  soa?: ZoneRecord;
}

const MAX_CNAME_HOPS = 8;

function loadZone(origin: string, source: string): Zone {
  const parsed = parseZone(source, { origin });
  const zone: Zone = { origin, broken: parsed.problems.length > 0, byName: new Map(), nodes: new Set([origin]) };
  const seen = new Set<string>();
  for (const r of parsed.records) {
    // Out-of-zone data is ignored, as BIND ignores it.
    if (r.name !== origin && !r.name.endsWith(`.${origin}`)) continue;
    const list = zone.byName.get(r.name) ?? [];
    // An RRset is a set: the same record twice, however spelt, is served once, as BIND serves
    // it and the graders see it (looked up, not searched: 3000 at one name took 1.3 s).
    const key = `${r.name} ${r.type} ${rdataKey(r)}`;
    if (!seen.has(key)) list.push(r);
    seen.add(key);
    zone.byName.set(r.name, list);
    for (let n = r.name; n !== origin && n.includes('.'); n = n.slice(n.indexOf('.') + 1)) zone.nodes.add(n);
  }
  const apex = zone.byName.get(origin) ?? [];
  zone.soa = apex.find((r) => r.type === 'SOA');
  if (!zone.soa || !apex.some((r) => r.type === 'NS')) zone.broken = true;
  for (const list of zone.byName.values()) {
    if (list.some((r) => r.type === 'CNAME') && list.length > 1) zone.broken = true;
  }
  return zone;
}

function soaFields(r: ZoneRecord): { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number } {
  const name = (t: string | undefined): string => strip(absoluteName(t ?? '.', r.origin).name ?? '.');
  const num = (t: string | undefined): number => parseTtl(t ?? '0') ?? 0;
  const [mname, rname, serial, refresh, retry, expire, minimum] = r.rdata;
  return { mname: name(mname), rname: name(rname), serial: Number(serial ?? 0) || 0, refresh: num(refresh), retry: num(retry), expire: num(expire), minimum: num(minimum) };
}

/** "mail.example.com." -> "mail.example.com" (dns-packet's form). */
function strip(name: string): string {
  return name === '.' ? '' : name.replace(/\.$/, '');
}

/** TXT strings as DNS character-strings: the bytes as written (a \DDD is its byte, text its UTF-8), at most 255 each. */
function txtData(r: ZoneRecord): Buffer[] {
  return r.bytes ? r.bytes.map((b) => b.subarray(0, 255)) : (r.strings ?? []).map((s) => Buffer.from(s, 'utf8').subarray(0, 255));
}

/** One zone record as a wire-format resource record owned by `owner`. */
export function toAnswer(r: ZoneRecord, owner: string): Answer {
  const base = { name: strip(owner), ttl: r.ttl, class: 'IN' as const };
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { ...base, type: r.type, data: r.address! };
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { ...base, type: r.type, data: strip(r.target!) };
    case 'MX':
      return { ...base, type: 'MX', data: { preference: r.preference!, exchange: strip(r.target!) } };
    case 'TXT':
      return { ...base, type: 'TXT', data: txtData(r) };
    case 'SPF': {
      // dns-packet has no encoder for type 99; its rdata is TXT's (RFC 4408 §3.1.1).
      const data = Buffer.concat(txtData(r).map((b) => Buffer.concat([Buffer.from([b.length]), b])));
      return { ...base, type: 'SPF', data } as unknown as Answer;
    }
    case 'SOA':
      return { ...base, type: 'SOA', data: soaFields(r) };
    case 'SRV': {
      const [priority, weight, port] = r.rdata.map(Number);
      return { ...base, type: 'SRV', data: { priority, weight, port: port!, target: strip(r.target!) } };
    }
    case 'CAA': {
      // The value's bytes as BIND serves them ("ca\"x" is ca"x, "\195\169" is é, "\255" the byte
      // ff), and the tag as written (BIND keeps "ISSUE"); dns/caaBytes.ts writes bytes that are no UTF-8.
      const valueBytes = escapedBytes((r.rdata[2] ?? '').replace(/^"(.*)"$/s, '$1'));
      const data = { flags: Number(r.rdata[0]), tag: (r.rdata[1] ?? 'issue') as 'issue', value: valueBytes.toString('utf8'), valueBytes };
      return { ...base, type: 'CAA', data };
    }
    default: {
      // A type BIND keeps as opaque data (TYPE65280 \# 3 010203): dns-packet writes it as the bytes given.
      const number = /^TYPE(\d+)$/.exec(r.type)?.[1];
      if (number === undefined) throw new Error(`type ${r.type} cannot be served`);
      return { ...base, type: `UNKNOWN_${number}`, data: Buffer.from(r.rdata[2] ?? '', 'hex') } as unknown as Answer;
    }
  }
}

/**
 * Bytes of answers an Authority keeps worked out, counted as on the wire plus each record's
 * object: a stream of made-up names cannot grow it further. Counted in bytes, not records: one
 * wildcard TXT of 60 KB made each made-up name keep 60 KB (20 000 records' worth was 1.2 GB).
 */
const MAX_ANSWERED_BYTES = 2 * 1024 * 1024;
/** What a decoded record costs beyond its data: the object, its name, type, class, TTL. */
const RECORD_OVERHEAD = 100;

/** About what one looked-up answer keeps in memory. */
function lookupBytes(key: string, found: Lookup): number {
  let bytes = RECORD_OVERHEAD + key.length;
  for (const list of [found.answers, found.authorities, found.additionals]) {
    for (const a of list) bytes += RECORD_OVERHEAD + a.name.length + dataBytes((a as { data?: unknown }).data);
  }
  return bytes;
}

function dataBytes(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (Buffer.isBuffer(data)) return data.length;
  if (Array.isArray(data)) return data.reduce((n: number, d) => n + 1 + dataBytes(d), 0);
  if (data && typeof data === 'object') return Object.values(data).reduce((n: number, d) => n + 8 + dataBytes(d), 0);
  return 8;
}

export class Authority {
  private readonly answered = new Map<string, Lookup>();
  private answeredBytes = 0;
  private readonly zones: Zone[];
  /**
   * About what the parsed zones take: up to 32 times their text (measured: the seeded zones 12
   * times, a 64 KB zone of one 240-string TXT 1.9 MB).
   */
  private readonly zoneBytes: number;

  /** `sources` maps zone names ("example.com") to zone-file text. */
  constructor(sources: ReadonlyArray<{ name: string; text: string }>) {
    this.zones = sources.map((s) => loadZone(`${s.name.toLowerCase().replace(/\.$/, '')}.`, s.text)).sort((a, b) => b.origin.length - a.origin.length);
    this.zoneBytes = sources.reduce((n, s) => n + 32 * s.text.length, 0);
  }

  /** About what this Authority holds in memory: its zones and the answers it keeps worked out. */
  get memoryBytes(): number {
    return this.zoneBytes + this.answeredBytes;
  }

  get zoneNames(): string[] {
    return this.zones.map((z) => z.origin);
  }

  /** True when a name is in one of the lab's zones (whether or not it has records). */
  isLabName(name: string): boolean {
    return this.zoneOf(`${name.toLowerCase().replace(/\.$/, '')}.`) !== undefined;
  }

  /** The zone a name belongs to: the longest origin it equals or ends in. */
  private zoneOf(name: string): Zone | undefined {
    return this.zones.find((z) => name === z.origin || name.endsWith(`.${z.origin}`));
  }

  /** The records at a name (or synthesised from a wildcard, RFC 4592), or undefined if there is no such node. */
  private recordsAt(zone: Zone, name: string): ZoneRecord[] | undefined {
    const exact = zone.byName.get(name);
    if (exact) return exact;
    if (zone.nodes.has(name)) return [];
    // Closest encloser: the longest existing ancestor; its wildcard child answers for the name.
    for (let n = name.slice(name.indexOf('.') + 1); n.length >= zone.origin.length; n = n.slice(n.indexOf('.') + 1)) {
      if (zone.nodes.has(n)) return zone.byName.get(`*.${n}`);
      if (n === zone.origin) break;
    }
    return undefined;
  }

  private negativeSoa(zone: Zone): Answer[] {
    if (!zone.soa) return [];
    const rr = toAnswer(zone.soa, zone.origin);
    // RFC 2308 §5: negative answers are cached for min(SOA TTL, SOA minimum).
    return [{ ...rr, ttl: Math.min(zone.soa.ttl, soaFields(zone.soa).minimum) } as Answer];
  }

  /** Addresses of in-zone hosts named by answers, for the additional section. */
  private glue(answers: Answer[]): Answer[] {
    const extra: Answer[] = [];
    const seen = new Set<string>();
    for (const a of answers) {
      const target = a.type === 'MX' ? a.data.exchange : a.type === 'NS' ? a.data : a.type === 'SRV' ? a.data.target : undefined;
      if (!target || seen.has(target)) continue;
      seen.add(target);
      const host = `${target.toLowerCase()}.`;
      const zone = this.zoneOf(host);
      if (!zone || zone.broken) continue;
      for (const r of zone.byName.get(host) ?? []) if (r.type === 'A' || r.type === 'AAAA') extra.push(toAnswer(r, host));
    }
    return extra;
  }

  /** Answers one question. `qname` in any case, with or without the final dot; `qtype` "A", "MX", "ANY", ... */
  lookup(qname: string, qtype: string): Lookup {
    let name = `${qname.toLowerCase().replace(/\.$/, '')}.`;
    if (name === '..') name = '.';
    // dns-packet names a type it does not know UNKNOWN_65280; the zone, as BIND, TYPE65280.
    // TLSA, SSHFP... are kept as the bytes of their generic form, under their number (zoneGeneric.ts).
    const type = servedTypeName(qtype.toUpperCase().replace(/^UNKNOWN_(\d+)$/, 'TYPE$1'));
    // The zones never change under an Authority (a save loads a new one): an answer worked out
    // once serves every later asker (5 000 records at one name cost 30 ms a question).
    const key = `${type} ${name}`;
    const known = this.answered.get(key);
    if (known) return known;
    const found = this.find(name, type);
    // One answer larger than the whole budget is kept alone: it is no bigger than its zone.
    const size = lookupBytes(key, found);
    if (this.answeredBytes + size > MAX_ANSWERED_BYTES) {
      this.answered.clear();
      this.answeredBytes = 0;
    }
    this.answered.set(key, found);
    this.answeredBytes += size;
    return found;
  }

  private find(qname: string, type: string): Lookup {
    let name = qname;
    const answers: Answer[] = [];
    const done = (rcode: Rcode, zone: Zone | undefined, negative = false): Lookup => ({
      rcode,
      aa: true,
      answers,
      authorities: negative && zone ? this.negativeSoa(zone) : [],
      additionals: rcode === 'NOERROR' ? this.glue(answers) : [],
    });
    let zone = this.zoneOf(name);
    if (!zone) return { rcode: 'REFUSED', aa: false, answers: [], authorities: [], additionals: [] };
    for (let hop = 0; ; hop++) {
      if (zone.broken) return { rcode: 'SERVFAIL', aa: false, answers: [], authorities: [], additionals: [] };
      const records = this.recordsAt(zone, name);
      if (records === undefined) return done('NXDOMAIN', zone, true);
      const cname = records.find((r) => r.type === 'CNAME');
      if (cname && type !== 'CNAME' && type !== 'ANY') {
        answers.push(toAnswer(cname, name));
        const next = this.zoneOf(cname.target!);
        // A target outside our zones (or a loop) is the resolver's to follow, not ours.
        if (!next || hop >= MAX_CNAME_HOPS || cname.target === name) return done('NOERROR', zone);
        name = cname.target!;
        zone = next;
        continue;
      }
      const matching = type === 'ANY' ? records : records.filter((r) => r.type === type);
      if (matching.length === 0) return done('NOERROR', zone, true);
      for (const r of matching) answers.push(toAnswer(r, name));
      return done('NOERROR', zone);
    }
  }
}
