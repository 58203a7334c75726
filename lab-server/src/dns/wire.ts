/**
 * One DNS message in, one out (or none): decoding and encoding with dns-packet, the rules an
 * authoritative server follows on the wire, and the limits that keep it from being an
 * amplifier.
 *
 *  - Responses are never answered (QR=1 is dropped), so two servers cannot ping-pong.
 *  - Garbage with a readable header gets FORMERR; shorter garbage gets nothing.
 *  - Over UDP a response is at most 512 bytes, or the requester's EDNS size (capped at 1232,
 *    the DNS flag day 2020 value). A response that does not fit drops its additional section;
 *    if it still does not fit it goes out empty with TC=1, and the client asks again over TCP.
 *  - ANY over UDP gets the RFC 8482 answer (one small HINFO), the full set only over TCP.
 *  - Zone transfers (AXFR/IXFR) are refused, as with BIND's allow-transfer { none; }.
 */
import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';
import type { Authority, Lookup } from '../grading/dns/authority.js';
import { wireReady } from './caaBytes.js';
import type { DnsFaultCheck } from './interference.js';

export type Transport = 'udp' | 'tcp';

/** The largest UDP payload we advertise and ever send. */
export const EDNS_UDP_SIZE = 1232;
/** Without EDNS a UDP message is at most 512 bytes (RFC 1035 §4.2.1). */
export const PLAIN_UDP_SIZE = 512;
export const TCP_MAX_SIZE = 65535;

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const AA = 1 << 10;
const TC = 1 << 9;
const RD = 1 << 8;
const CD = 1 << 4;

interface Reply {
  id: number;
  opcode: number;
  rd: boolean;
  cd: boolean;
  aa: boolean;
  rcode: number;
  question?: Question;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** Present when the query had an OPT record: we answer with one. */
  edns?: { extendedRcode: number };
}

function encode(r: Reply): Buffer {
  const flags = (r.opcode << 11) | (r.aa ? AA : 0) | (r.rd ? RD : 0) | (r.cd ? CD : 0) | (r.rcode & 0xf);
  const additionals = [...r.additionals];
  if (r.edns) {
    additionals.push({ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: r.edns.extendedRcode, ednsVersion: 0, flags: 0, options: [] } as unknown as Answer);
  }
  const packet: Packet = { type: 'response', id: r.id, flags, questions: r.question ? [r.question] : [], answers: r.answers.map(wireReady), authorities: r.authorities.map(wireReady), additionals: additionals.map(wireReady) };
  return dnsPacket.encode(packet);
}

/** Sets TC in an encoded message. */
function withTc(buf: Buffer): Buffer {
  buf.writeUInt16BE(buf.readUInt16BE(2) | TC, 2);
  return buf;
}

/** Encodes within `limit` bytes: drops the additional section, then everything but the question (TC=1). */
function encodeWithin(r: Reply, limit: number): Buffer | undefined {
  // A record takes at least 11 bytes on the wire (a one-byte name, type, class, TTL, length):
  // more answers than fit are cut at once, not encoded three times (5 000 TXT at one name cost
  // 50 ms of the event loop for each UDP question).
  if ((r.answers.length + r.authorities.length) * 11 > limit) return truncated(r, limit);
  const full = encode(r);
  if (full.length <= limit) return full;
  // RFC 2181 §9: dropping additional data does not need TC.
  const noExtra = encode({ ...r, additionals: [] });
  if (noExtra.length <= limit) return noExtra;
  return truncated(r, limit);
}

/** Only the question, with TC=1: the client asks again over TCP. */
function truncated(r: Reply, limit: number): Buffer | undefined {
  const empty = withTc(encode({ ...r, answers: [], authorities: [], additionals: [] }));
  return empty.length <= limit ? empty : undefined;
}

/** The reply limit for a query: 512 bytes, or its EDNS size up to ours; TCP: 64 KB. */
function sizeLimit(transport: Transport, opt: { udpPayloadSize?: number } | undefined): number {
  if (transport === 'tcp') return TCP_MAX_SIZE;
  if (!opt) return PLAIN_UDP_SIZE;
  return Math.max(PLAIN_UDP_SIZE, Math.min(opt.udpPayloadSize ?? PLAIN_UDP_SIZE, EDNS_UDP_SIZE));
}

/**
 * The answer to one DNS message, or undefined when it deserves none (too short to have a
 * header, or itself a response) or an armed fault swallows it. Never throws.
 */
export function answerQuery(query: Buffer, authority: Authority | undefined, transport: Transport, interfere?: DnsFaultCheck): Buffer | undefined {
  if (query.length < 12) return undefined;
  const id = query.readUInt16BE(0);
  const rawFlags = query.readUInt16BE(2);
  if (rawFlags & 0x8000) return undefined;
  const opcode = (rawFlags >> 11) & 0xf;
  const base: Reply = { id, opcode, rd: (rawFlags & RD) !== 0, cd: (rawFlags & CD) !== 0, aa: false, rcode: RCODES.FORMERR, answers: [], authorities: [], additionals: [] };
  const limit0 = transport === 'tcp' ? TCP_MAX_SIZE : PLAIN_UDP_SIZE;
  try {
    let packet: Packet;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return encodeWithin(base, limit0);
    }
    const opts = (packet.additionals ?? []).filter((a) => a.type === 'OPT') as Array<{ udpPayloadSize?: number; ednsVersion?: number }>;
    const questions = packet.questions ?? [];
    const question = questions.length === 1 ? questions[0] : undefined;
    // A question we cannot write back byte for byte (labels dns-packet reads differently) is a format error.
    if (question && !sameQuestionBytes(query, question)) return encodeWithin(base, limit0);
    const reply: Reply = { ...base, question, edns: opts.length > 0 ? { extendedRcode: 0 } : undefined };
    const limit = sizeLimit(transport, opts[0]);
    if (opts.length > 1 || !question) return encodeWithin({ ...reply, rcode: RCODES.FORMERR }, limit);
    if (opts[0] && (opts[0].ednsVersion ?? 0) > 0) {
      // BADVERS (16): upper bits in the OPT record, lower bits (0) in the header (RFC 6891 §6.1.3).
      return encodeWithin({ ...reply, rcode: 0, edns: { extendedRcode: 1 } }, limit);
    }
    if (opcode !== 0) return encodeWithin({ ...reply, rcode: RCODES.NOTIMP }, limit);
    if ((question.class ?? 'IN') !== 'IN' || !authority) return encodeWithin({ ...reply, rcode: RCODES.REFUSED }, limit);
    const type = String(question.type).toUpperCase();
    if (type === 'AXFR' || type === 'IXFR') return encodeWithin({ ...reply, rcode: RCODES.REFUSED }, limit);
    const fault = interfere?.(question.name.toLowerCase().replace(/\.$/, ''), type);
    if (fault === 'TIMEOUT') return undefined;
    if (fault === 'SERVFAIL') return encodeWithin({ ...reply, rcode: RCODES.SERVFAIL }, limit);
    if (fault === 'NXDOMAIN') {
      // A negative answer carries the zone's SOA (RFC 2308), as the real one would.
      const soa = authority.lookup(question.name, 'SOA');
      const authorities = [...soa.answers, ...soa.authorities].filter((a) => a.type === 'SOA');
      return encodeWithin({ ...reply, aa: soa.aa, rcode: RCODES.NXDOMAIN, authorities }, limit);
    }

    let lookup: Lookup;
    if (type === 'ANY' && transport === 'udp') {
      lookup = authority.lookup(question.name, 'SOA');
      if (lookup.rcode === 'NOERROR') {
        // RFC 8482 §4.2: one synthesised HINFO instead of everything we have.
        lookup = { ...lookup, answers: [{ type: 'HINFO', name: question.name, ttl: 3600, class: 'IN', data: { cpu: 'RFC8482', os: '' } }], authorities: [], additionals: [] };
      }
    } else {
      lookup = authority.lookup(question.name, type);
    }
    return encodeWithin(
      { ...reply, aa: lookup.aa, rcode: RCODES[lookup.rcode], answers: lookup.answers, authorities: lookup.authorities, additionals: lookup.additionals },
      limit,
    );
  } catch {
    // A bug must cost one SERVFAIL, never the server.
    try {
      return encodeWithin({ ...base, rcode: RCODES.SERVFAIL }, limit0);
    } catch {
      return undefined;
    }
  }
}

/** The response code of an encoded reply by name (NOERROR, NXDOMAIN ...), or NONE when nothing was sent. */
export function rcodeOf(reply: Buffer | undefined): string {
  if (!reply || reply.length < 4) return 'NONE';
  const code = reply.readUInt16BE(2) & 0xf;
  return Object.entries(RCODES).find(([, n]) => n === code)?.[0] ?? String(code);
}

/** True when re-encoding the decoded question gives the bytes the query had after its header. */
function sameQuestionBytes(query: Buffer, question: Question): boolean {
  try {
    const probe = dnsPacket.encode({ type: 'query', id: 0, flags: 0, questions: [question] });
    const wanted = probe.subarray(12);
    return query.length >= 12 + wanted.length && query.subarray(12, 12 + wanted.length).equals(wanted);
  } catch {
    return false;
  }
}

/** A query message, as dig or a stub resolver sends it. */
export function buildQuery(name: string, type: string, options: { id?: number; edns?: number; rd?: boolean } = {}): Buffer {
  const additionals = options.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: options.edns, flags: 0, options: [] } as unknown as Answer] : [];
  return dnsPacket.encode({
    type: 'query',
    id: options.id ?? Math.floor(Math.random() * 65536),
    flags: options.rd === false ? 0 : RD,
    questions: [{ name, type: type.toUpperCase() as Question['type'], class: 'IN' }],
    additionals,
  });
}
