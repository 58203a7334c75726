/**
 * The lab network: the addresses the course's zones use, and which of them are the lab's own
 * mail servers. Every sandbox has the same network (its own copy of it): mail.example.com is
 * 192.0.2.100, mail.otherdomain.com is 192.0.2.200. The zones play public DNS, so the network
 * is a documentation range (RFC 5737), not a private one (RFC 1918) that no public MX could
 * point at. These addresses never reach a wire: a lab MTA "connecting to 192.0.2.200" opens a
 * loopback connection to the in-process listener of mail.otherdomain.com, handed off to the
 * same sandbox. An address outside the lab network is never connected to at all.
 */
import type { ServiceId } from '../services.js';

/** The lab network 192.0.2.0/24 (TEST-NET-1): its prefix, its CIDR name and its reverse zone. */
export const LAB_NETWORK = { prefix: '192.0.2.', cidr: '192.0.2.0/24', reverseZone: '2.0.192.in-addr.arpa' } as const;
const labAddress = (n: number): string => `${LAB_NETWORK.prefix}${n}`;

export interface LabMta {
  /** The mail domain this MTA is the final destination for. */
  domain: string;
  /** Its host name: banner, EHLO name, Received: lines. */
  host: string;
  /** Its address in the lab network (what its A and PTR records say in the seeded zones). */
  address: string;
  /** The lab listener that plays this host's port 25. */
  serviceId: ServiceId;
}

export const LAB_MTAS: readonly LabMta[] = [
  { domain: 'example.com', host: 'mail.example.com', address: labAddress(100), serviceId: 'smtp' },
  { domain: 'otherdomain.com', host: 'mail.otherdomain.com', address: labAddress(200), serviceId: 'smtp-otherdomain' },
];

/** Hosts of the lab network that exist but run no mail server (the backup MX, the name server). */
export const LAB_HOSTS = [
  { host: 'mail2.example.com', address: labAddress(101) },
  { host: 'ns1.example.com', address: labAddress(53) },
] as const;

/** The lab network is the only place a lab MTA may try to reach. */
export function inLabNetwork(address: string): boolean {
  return plainIPv4(address)?.startsWith(LAB_NETWORK.prefix) ?? false;
}

/** "::ffff:192.0.2.1" -> "192.0.2.1"; undefined if it is not an IPv4 address. */
function plainIPv4(address: string): string | undefined {
  const plain = address.replace(/^::ffff:/i, '');
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(plain) ? plain : undefined;
}

export type Destination =
  | { kind: 'mta'; mta: LabMta }
  /** In the lab network, but nothing listens on port 25 there. */
  | { kind: 'no-mail-server' }
  /** Anywhere else: the lab never sends a packet there. */
  | { kind: 'outside' };

/** What a lab MTA finds at an address. */
export function destinationAt(address: string): Destination {
  if (!inLabNetwork(address)) return { kind: 'outside' };
  const plain = plainIPv4(address)!;
  const mta = LAB_MTAS.find((m) => m.address === plain);
  return mta ? { kind: 'mta', mta } : { kind: 'no-mail-server' };
}

/** The MTA that is the final destination of a domain's mail. Domains without one of their own are served by mail.example.com. */
export function homeMta(domain: string): LabMta {
  const lower = domain.toLowerCase();
  return LAB_MTAS.find((m) => m.domain === lower) ?? LAB_MTAS[0]!;
}

export function mtaForService(id: ServiceId): LabMta | undefined {
  return LAB_MTAS.find((m) => m.serviceId === id);
}

export function mtaByDomain(domain: string): LabMta | undefined {
  return LAB_MTAS.find((m) => m.domain === domain.toLowerCase());
}
