/**
 * What the zone-file parser gives back: records as BIND would load them, and problems with
 * line numbers. Nearly a leaf (it takes only zoneEscapes.ts's escapedBytes), so the parser's
 * parts (tokens, names, rdata) and the graders can share these shapes without importing the parser.
 */
import type { Text } from '../feedback.js';
import { escapedBytes } from './zoneEscapes.js';

export interface ZoneProblem {
  line: number;
  message: Text;
}

export interface ZoneRecord {
  /** Absolute owner name, lower case, with the trailing dot: "mail.example.com." */
  name: string;
  ttl: number;
  type: string;
  line: number;
  /** The owner as written ("" when the owner was inherited from the line before). */
  ownerText: string;
  /** The $ORIGIN that relative names on this line were completed with. */
  origin: string;
  /** A and AAAA. */
  address?: string;
  /** MX preference. */
  preference?: number;
  /** MX, CNAME, NS, PTR, SRV: the absolute target name. */
  target?: string;
  /** The target exactly as written, to explain a missing trailing dot. */
  targetText?: string;
  /** TXT (and the obsolete SPF type): the character-strings, in order. */
  strings?: string[];
  /** The same strings as the bytes BIND serves ("\255" is the byte ff; the text above reads it as "ÿ"). */
  bytes?: Buffer[];
  /** Every rdata token as written, for the types the lab does not look into. */
  rdata: string[];
}

export interface ParsedZone {
  records: ZoneRecord[];
  problems: ZoneProblem[];
  /** The origin in force at the end of the file. */
  origin: string;
  /**
   * The first record that got its TTL from nowhere: no TTL of its own, no $TTL and no record
   * before it. BIND refuses such a zone ("no TTL specified"); only an SOA may go without (it
   * uses its own minimum). Graders of partial zones supply the TTL themselves.
   */
  untimedLine?: number;
  /** The first TTL past 2^31-1, which BIND loads as 0 ("> MAXTTL, setting ... to 0"). */
  zeroedTtl?: { line: number; written: string };
}

/** The TXT strings of a record joined as DNS clients see them (RFC 7208 §3.3: no spaces added). */
export function txtValue(record: ZoneRecord): string {
  return (record.strings ?? []).join('');
}

/**
 * A record's data as DNS compares it: what it means, not how it was written. "\\mx" is "mx",
 * "10 mail" is "10 mail.example.com.", "2001:db8:0::1" is "2001:db8::1", "\255" (ff) is not
 * "ÿ" (c3 bf); BIND keeps one of each. The graders' view and the lab's DNS server both dedupe
 * by it, so a learner's dig sees the records a grader judges.
 */
export function rdataKey(r: ZoneRecord): string {
  if (r.bytes) return r.bytes.map((b) => b.toString('hex')).join(' ');
  if (r.strings) return r.strings.join('\u0000');
  if (r.address !== undefined) return r.type === 'AAAA' ? new URL(`http://[${r.address}]`).hostname : r.address;
  // Names compare without case (RFC 4343); SRV's numbers as numbers ("025" is 25).
  if (r.type === 'SRV') return `${r.rdata.slice(0, 3).map(Number).join(' ')} ${r.target?.toLowerCase()}`;
  if (r.target !== undefined) return `${r.preference ?? ''} ${r.target.toLowerCase()}`;
  // CAA: the value's bytes, as the lab's server sends them ("café" is "caf\195\169", "ca\"x" is
  // "ca\034x", quoted or not); the tag keeps its case (BIND keeps "ISSUE" apart).
  if (r.type === 'CAA') return `${Number(r.rdata[0])} ${r.rdata[1]} ${escapedBytes((r.rdata[2] ?? '').replace(/^"(.*)"$/s, '$1')).toString('hex')}`;
  return r.rdata.join(' ');
}
