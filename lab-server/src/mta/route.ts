/**
 * Where a domain's mail goes, decided the way Postfix's smtp client decides it (RFC 5321
 * §5.1): the MX records, most preferred first; no MX means the domain's own address (implicit
 * MX); a null MX (RFC 7505) means "this domain takes no mail". Each MX host's addresses come
 * from the lab DNS. Reasons are worded as Postfix logs them.
 */
import { DnsLookupError, type LabResolver } from '../dns/resolver.js';

export interface RouteHost {
  name: string;
  preference: number;
  addresses: string[];
  /** Why the host has no address (Postfix logs this and tries the next MX). */
  problem?: string;
  /** The host's name is in no lab zone: it is outside the lab world. */
  outsideLab?: boolean;
}

/**
 * Tries one delivery makes at most, over all its MX hosts in preference order, after Postfix's
 * smtp_mx_address_limit: a zone with hundreds of MX or A records must not make one delivery
 * look up and try them all. Unlike Postfix, which counts addresses only, an MX host whose name
 * has no address counts as one try too, so that hundreds of those cost five lookups, not
 * hundreds; five such hosts preferred to a good one therefore hide it. The hosts after the
 * limit are not even looked up.
 */
export const MX_ADDRESS_LIMIT = 5;

export type Route =
  | { kind: 'hosts'; hosts: RouteHost[]; implicitMx: boolean }
  | { kind: 'fail'; temporary: boolean; dsn: string; reason: string };

function nameServiceError(name: string, type: string, err: unknown): { temporary: boolean; text: string } {
  const code = err instanceof DnsLookupError ? err.code : 'ESERVFAIL';
  if (code === 'ENOTFOUND') return { temporary: false, text: `Name service error for name=${name} type=${type}: Host not found` };
  if (code === 'ENODATA') return { temporary: false, text: `Name service error for name=${name} type=${type}: Host found but no data record of requested type` };
  return { temporary: true, text: `Name service error for name=${name} type=${type}: Host not found, try again` };
}

async function hostAddresses(resolver: LabResolver, name: string): Promise<Pick<RouteHost, 'addresses' | 'problem' | 'outsideLab'>> {
  if (!(await resolver.isLabName(name))) {
    return { addresses: [], outsideLab: true, problem: `${name} is outside the lab: MailLab never sends mail beyond this machine` };
  }
  try {
    return { addresses: await resolver.addresses(name) };
  } catch (err) {
    return { addresses: [], problem: nameServiceError(name, 'A', err).text };
  }
}

/** Looks up where mail for `domain` should be delivered. */
export async function findRoute(resolver: LabResolver, domain: string): Promise<Route> {
  if (!(await resolver.isLabName(domain))) {
    return { kind: 'fail', temporary: false, dsn: '5.4.4', reason: `Host or domain name not found: ${domain} is outside the lab world (MailLab never sends mail beyond this machine)` };
  }
  let mx;
  try {
    mx = await resolver.mx(domain);
  } catch (err) {
    if (err instanceof DnsLookupError && err.code === 'ENODATA') {
      // No MX: the domain itself is the mail host (RFC 5321 §5.1), if it has an address.
      const own = await hostAddresses(resolver, domain);
      if (own.addresses.length > 0) return { kind: 'hosts', implicitMx: true, hosts: [{ name: domain, preference: 0, addresses: own.addresses.slice(0, MX_ADDRESS_LIMIT) }] };
      // Deferred, not bounced: in the lab the usual cause is an MX record the learner removed, and the queue should deliver once it is back.
      return {
        kind: 'fail',
        temporary: true,
        dsn: '4.4.3',
        reason: `Host or domain name not found. Name service error for name=${domain} type=MX: Host found but no data record of requested type`,
      };
    }
    const e = nameServiceError(domain, 'MX', err);
    return { kind: 'fail', temporary: e.temporary, dsn: e.temporary ? '4.4.3' : '5.4.4', reason: `Host or domain name not found. ${e.text}` };
  }
  if (mx.length === 1 && mx[0]!.exchange === '' ) {
    return { kind: 'fail', temporary: false, dsn: '5.1.10', reason: `${domain} does not accept mail (null MX, RFC 7505)` };
  }
  const hosts: RouteHost[] = [];
  // An MX host without an address counts as one try (see MX_ADDRESS_LIMIT).
  let tries = 0;
  for (const m of mx) {
    if (tries >= MX_ADDRESS_LIMIT) break;
    const host: RouteHost = { name: m.exchange, preference: m.priority, ...(await hostAddresses(resolver, m.exchange)) };
    host.addresses = host.addresses.slice(0, MX_ADDRESS_LIMIT - tries);
    tries += Math.max(1, host.addresses.length);
    hosts.push(host);
  }
  return { kind: 'hosts', hosts, implicitMx: false };
}
