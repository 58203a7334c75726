/**
 * Dovecot 2.3's filters (protocol, local, remote, local_name) as doveconf combines them when it
 * checks a file (config-filter.c): each filter in the file is checked with the values of every
 * filter that matches it, the most specific first, the top level last. So a
 * "local 10.1.2.3 { protocol imap { … } }" sees "protocol imap { … }" and "local 10.0.0.0/8 { … }",
 * but "remote 10.0.0.2 { … }" does not see "local 10.0.0.1 { … }". tests/unit/dovecot-checks.test.ts
 * asks the real doveconf.
 */
import { readDovecotNet } from './dovecotNet.js';

/** A network as "local 10.0.0.0/8" writes it, as bytes (a host name resolved as doveconf resolves it). */
interface DovecotNet {
  name?: string;
  bytes: readonly number[];
  bits: number;
}

export interface DovecotFilter {
  service?: string;
  /** local_name as written, in lower case, and its words (each a wildcard). */
  localName?: string;
  localNames?: readonly string[];
  local?: DovecotNet;
  remote?: DovecotNet;
}

const FILTER_SECTION = /^(protocol|local|remote|local_name)(?:\s+(.*))?$/;

/** Whether a section of this label ("protocol imap", "namespace inbox") is a filter. */
export const isFilterLabel = (label: string): boolean => FILTER_SECTION.test(label);

/** A network as doveconf reads it (dovecotNet.ts); a name it cannot resolve (the file is refused) is kept as written. */
function netOf(spec: string): DovecotNet {
  const net = readDovecotNet(spec);
  return 'said' in net ? { name: spec.toLowerCase(), bytes: [], bits: 32 } : net;
}

const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (c) => c.toLowerCase());

/**
 * dns_match_wildcard: "?" is any one character, "*" any run up to the next dot and must stand
 * before one ("*.example.com"), or at the very end for nothing. Linear, whatever the mask.
 */
function wildcardMatches(name: string, mask: string): boolean {
  let i = 0;
  let j = 0;
  for (; i < name.length && j < mask.length; i++, j++) {
    if (mask[j] === '*') {
      const dot = name.indexOf('.', i);
      if (dot < 0 || mask[j + 1] !== '.') return false;
      i = dot;
      j++;
    } else if (mask[j] !== '?' && name[i] !== mask[j]) return false;
  }
  if (mask[j] === '*') j++;
  return i === name.length && j === mask.length;
}

/** The filter a path of filter sections stands for, outermost first. */
export function filterOf(path: readonly string[]): DovecotFilter {
  const filter: DovecotFilter = {};
  for (const label of path) {
    const [, kind, arg = ''] = FILTER_SECTION.exec(label) ?? [];
    if (kind === 'protocol') filter.service = arg;
    else if (kind === 'local') filter.local = netOf(arg);
    else if (kind === 'remote') filter.remote = netOf(arg);
    else if (kind === 'local_name') {
      filter.localName = asciiLower(arg);
      filter.localNames = filter.localName.split(' ').filter(Boolean);
    }
  }
  return filter;
}

/** net_is_in_network, and a host name only as itself. A mask of 0 bits filters nothing (Dovecot reads it as unset). */
function netMatches(mask: DovecotNet | undefined, net: DovecotNet | undefined): boolean {
  if (!mask || mask.bits === 0) return true;
  if (!net || net.bits === 0) return false;
  if (mask.name !== undefined || net.name !== undefined) return mask.name === net.name;
  if (mask.bytes.length !== net.bytes.length) return false;
  for (let bit = 0; bit < mask.bits; bit += 8) {
    const keep = 0xff & (0xff << Math.max(0, bit + 8 - mask.bits));
    if ((mask.bytes[bit / 8]! & keep) !== (net.bytes[bit / 8]! & keep)) return false;
  }
  return true;
}

/** config_filter_match: whether the values of `mask` apply where `filter` applies. */
export function filterMatches(mask: DovecotFilter, filter: DovecotFilter): boolean {
  if (mask.service !== undefined) {
    if (filter.service === undefined) return false;
    if (mask.service.startsWith('!') ? filter.service === mask.service.slice(1) : filter.service !== mask.service) return false;
  }
  if (mask.localNames !== undefined) {
    const name = filter.localName;
    if (name === undefined || !mask.localNames.some((w) => wildcardMatches(name, w))) return false;
  }
  return netMatches(mask.remote, filter.remote) && netMatches(mask.local, filter.local);
}

/** config_filter_parser_cmp: the more specific filter first (local_name, then local bits, remote bits, protocol). */
export function bySpecificity(a: DovecotFilter, b: DovecotFilter): number {
  const bits = (n: DovecotNet | undefined): number => n?.bits ?? 0;
  return (
    Number(b.localName !== undefined) - Number(a.localName !== undefined) ||
    bits(b.local) - bits(a.local) ||
    bits(b.remote) - bits(a.remote) ||
    Number(b.service !== undefined) - Number(a.service !== undefined)
  );
}
