/**
 * A sandbox's resolver, for the lab's own mail servers and for mailauth: questions go through
 * the same wire code as dig's (encoded, answered by the sandbox's zones, decoded), in-process,
 * so what an MTA sees is exactly what `dig` shows. It never asks the system resolver or any
 * server outside the lab: a name outside the lab's zones does not exist in the lab world.
 *
 * `resolve(name, type)` has node:dns's result shapes and error codes (ENOTFOUND for NXDOMAIN,
 * ENODATA for NODATA), which is what mailauth's SPF, DKIM and DMARC code expects.
 */
import type { Answer, Packet } from 'dns-packet';
import type { Authority } from '../grading/dns/authority.js';
import type { LookupTrace } from '../world/authReports.js';
import { decodeMessage, type CaaBytes } from './caaBytes.js';
import { LOOKUP_TIMEOUT_MS, type DnsFaultCheck } from './interference.js';
import { quoteTxt } from './txtText.js';
import { answerQuery, buildQuery } from './wire.js';

/** node:dns's codes: NXDOMAIN, NODATA, SERVFAIL, and no answer in time. */
export type DnsErrorCode = 'ENOTFOUND' | 'ENODATA' | 'ESERVFAIL' | 'ETIMEOUT';

export class DnsLookupError extends Error {
  constructor(
    readonly code: DnsErrorCode,
    readonly hostname: string,
    readonly rrtype: string,
  ) {
    super(`query${rrtype} ${code} ${hostname}`);
  }
}

export interface MxHost {
  exchange: string;
  priority: number;
}

const text = (b: Buffer | string): string => (typeof b === 'string' ? b : b.toString('utf8'));

/** One resource record in zone-file presentation form. */
export function presentRecord(a: Answer): string {
  const owner = `${a.name || ''}.`.replace(/^\.$/, '.');
  // A type dns-packet does not know (UNKNOWN_65280) as BIND and dig write it: TYPE65280.
  const head = `${owner}\t${'ttl' in a ? (a.ttl ?? 0) : 0}\tIN\t${String(a.type).replace(/^UNKNOWN_/, 'TYPE')}\t`;
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return head + a.data;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return `${head}${a.data}.`;
    case 'MX':
      return `${head}${a.data.preference ?? 0} ${a.data.exchange}.`;
    case 'TXT': {
      const parts = Array.isArray(a.data) ? a.data : [a.data];
      return head + parts.map((p) => quoteTxt(typeof p === 'string' ? Buffer.from(p, 'utf8') : p)).join(' ');
    }
    case 'SOA':
      return `${head}${a.data.mname}. ${a.data.rname}. ${a.data.serial} ${a.data.refresh} ${a.data.retry} ${a.data.expire} ${a.data.minimum}`;
    case 'SRV':
      return `${head}${a.data.priority ?? 0} ${a.data.weight ?? 0} ${a.data.port} ${a.data.target}.`;
    case 'CAA':
      return `${head}${a.data.flags ?? 0} ${a.data.tag} ${quoteTxt((a.data as CaaBytes).valueBytes ?? Buffer.from(a.data.value, 'utf8'))}`;
    case 'HINFO':
      return `${head}"${a.data.cpu}" "${a.data.os}"`;
    // Served as the bytes of their generic form; dns-packet reads these two back into fields.
    case 'TLSA':
      return `${head}${a.data.usage} ${a.data.selector} ${a.data.matchingType} ${a.data.certificate.toString('hex').toUpperCase()}`;
    case 'SSHFP':
      return `${head}${a.data.algorithm} ${a.data.hash} ${a.data.fingerprint}`;
    default: {
      const data = (a as { data?: unknown }).data;
      return `${head}\\# ${Buffer.isBuffer(data) ? `${data.length}${data.length ? ` ${data.toString('hex')}` : ''}` : ''}`;
    }
  }
}

/**
 * Answers already worked out, per loaded set of zones. Saving a zone loads a new Authority, so
 * an edit is seen by the very next question, as with a server that has no cache; what this
 * saves is encoding and decoding the same SPF, DKIM and DMARC answers for every message.
 */
const answersByZones = new WeakMap<Authority, { packets: Map<string, Packet>; bytes: number }>();
/**
 * Bounds the memory a learner's stream of made-up names can take: the answers cached for one
 * sandbox, counted in DNS message bytes (a decoded answer takes a few times that).
 */
const MAX_CACHED_BYTES = 256 * 1024;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

interface Resolved {
  /** NOERROR, NXDOMAIN, NODATA, SERVFAIL */
  status: string;
  error?: DnsErrorCode;
  /** The answers as zone-file text, for traces. */
  presented: readonly string[];
  /** The records of the wanted type in node:dns shapes. */
  results: readonly unknown[];
}

/**
 * What resolve() makes of a (shared, frozen) response, worked out once per response (a cached
 * response belongs to one question, so to one wanted type).
 */
const resolvedAnswers = new WeakMap<Packet, Resolved>();

function resolved(packet: Packet, wanted: string): Resolved {
  let answer = resolvedAnswers.get(packet);
  if (answer) return answer;
  const rcode = (packet as Packet & { rcode?: string }).rcode ?? 'NOERROR';
  const records = (packet.answers ?? []).filter((a) => a.type === wanted);
  const status = rcode === 'NOERROR' && records.length === 0 ? 'NODATA' : rcode === 'REFUSED' ? 'NXDOMAIN' : rcode;
  const error: DnsErrorCode | undefined =
    rcode === 'NXDOMAIN' || rcode === 'REFUSED' ? 'ENOTFOUND' : rcode !== 'NOERROR' ? 'ESERVFAIL' : records.length === 0 ? 'ENODATA' : undefined;
  answer = deepFreeze({
    status,
    ...(error ? { error } : {}),
    presented: (packet.answers ?? []).map(presentRecord),
    results: error ? [] : records.map(nodeDnsShape),
  });
  resolvedAnswers.set(packet, answer);
  return answer;
}

/** One record as node:dns's resolve() returns it, which is what mailauth expects. */
function nodeDnsShape(a: Answer): unknown {
  switch (a.type) {
    case 'MX':
      return { exchange: a.data.exchange, priority: a.data.preference ?? 0 };
    case 'TXT':
      return (Array.isArray(a.data) ? a.data : [a.data]).map(text);
    case 'SOA':
      return { nsname: a.data.mname, hostmaster: a.data.rname, serial: a.data.serial, refresh: a.data.refresh, retry: a.data.retry, expire: a.data.expire, minttl: a.data.minimum };
    case 'SRV':
      return { name: a.data.target, port: a.data.port, priority: a.data.priority, weight: a.data.weight };
    case 'CAA':
      return { critical: a.data.flags ?? 0, [a.data.tag]: a.data.value };
    default:
      return (a as { data: unknown }).data;
  }
}

export interface ResolverHooks {
  /** Told of every question asked (metrics), with the response code it got (NONE: no answer). */
  onQuery?: (rcode: string) => void;
  /** The sandbox's armed DNS faults, asked before the zones (and before the answer cache). */
  interference?: () => Promise<DnsFaultCheck | undefined>;
}

export class LabResolver {
  constructor(
    private readonly authority: () => Promise<Authority>,
    /** When given, every lookup made through resolve() is recorded here, oldest first. */
    readonly traces?: LookupTrace[],
    private readonly hooks: ResolverHooks = {},
  ) {}

  /**
   * Asks one question; returns the decoded response (as dig would see it over TCP), frozen:
   * it is shared by every later asker of the same question until the zones change.
   */
  async query(name: string, type: string): Promise<Packet> {
    const authority = await this.authority();
    const interfere = await this.hooks.interference?.();
    const fault = interfere?.(name.toLowerCase().replace(/\.$/, ''), type);
    if (fault) {
      const reply = answerQuery(buildQuery(name, type), authority, 'tcp', () => fault);
      this.hooks.onQuery?.(fault === 'TIMEOUT' ? 'NONE' : fault);
      if (!reply) {
        await new Promise((resolve) => setTimeout(resolve, LOOKUP_TIMEOUT_MS));
        throw new DnsLookupError('ETIMEOUT', name, type);
      }
      return deepFreeze(decodeMessage(reply));
    }
    let cache = answersByZones.get(authority);
    if (!cache) answersByZones.set(authority, (cache = { packets: new Map(), bytes: 0 }));
    const key = `${type} ${name}`;
    let packet = cache.packets.get(key);
    if (!packet) {
      const reply = answerQuery(buildQuery(name, type), authority, 'tcp');
      if (!reply) throw new DnsLookupError('ESERVFAIL', name, type);
      if (cache.bytes + reply.length > MAX_CACHED_BYTES) {
        cache.packets.clear();
        cache.bytes = 0;
      }
      cache.packets.set(key, (packet = deepFreeze(decodeMessage(reply))));
      cache.bytes += reply.length;
    }
    this.hooks.onQuery?.((packet as Packet & { rcode?: string }).rcode ?? 'NOERROR');
    return packet;
  }

  /** True when the name belongs to one of the sandbox's zones: it exists in the lab world. */
  async isLabName(name: string): Promise<boolean> {
    return (await this.authority()).isLabName(name);
  }

  /** A resolver over the same zones that records its lookups (one per checked message). */
  traced(): LabResolver & { traces: LookupTrace[] } {
    return new LabResolver(this.authority, [], this.hooks) as LabResolver & { traces: LookupTrace[] };
  }

  /** node:dns `resolve(name, type)`, answered by the sandbox's zones. */
  readonly resolve = async (name: string, type = 'A'): Promise<unknown[]> => {
    const wanted = type.toUpperCase();
    let packet: Packet;
    try {
      packet = await this.query(name, wanted);
    } catch (err) {
      if (err instanceof DnsLookupError && err.code === 'ETIMEOUT') this.traces?.push({ name, type: wanted, status: 'TIMEOUT', answers: [] });
      throw err;
    }
    const answer = resolved(packet, wanted);
    this.traces?.push({ name, type: wanted, status: answer.status, answers: [...answer.presented] });
    if (answer.error) throw new DnsLookupError(answer.error, name, wanted);
    return [...answer.results];
  };

  /** MX hosts of a domain, most preferred first. */
  async mx(domain: string): Promise<MxHost[]> {
    const hosts = (await this.resolve(domain, 'MX')) as MxHost[];
    return [...hosts].sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange));
  }

  /** IPv4 addresses of a host. */
  async addresses(host: string): Promise<string[]> {
    return (await this.resolve(host, 'A')) as string[];
  }

  /** Host names of an IPv4 address (PTR in in-addr.arpa). */
  async ptr(address: string): Promise<string[]> {
    const plain = address.replace(/^::ffff:/i, '');
    return (await this.resolve(`${plain.split('.').reverse().join('.')}.in-addr.arpa`, 'PTR')) as string[];
  }
}
