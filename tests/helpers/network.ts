/**
 * The lab network's addresses as the world defines them, so tests name hosts instead of
 * repeating addresses that the network definition owns.
 */
import { LAB_HOSTS, LAB_NETWORK, mtaByDomain } from '../../lab-server/src/world/network.js';

const hostAddress = (host: string): string => LAB_HOSTS.find((h) => h.host === host)!.address;

export const NET = {
  /** mail.example.com */
  mail: mtaByDomain('example.com')!.address,
  /** mail2.example.com, the backup MX (no mail server) */
  mail2: hostAddress('mail2.example.com'),
  /** mail.otherdomain.com */
  other: mtaByDomain('otherdomain.com')!.address,
  /** Another address in the lab network: host number n. */
  at: (n: number): string => `${LAB_NETWORK.prefix}${n}`,
  reverseZone: LAB_NETWORK.reverseZone,
  /** "192.0.2.200" -> "200.2.0.192.in-addr.arpa" */
  ptrName: (address: string): string => `${address.split('.').reverse().join('.')}.in-addr.arpa`,
};
