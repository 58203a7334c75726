/**
 * What an armed fault can make the lab DNS do with one question instead of answering it from
 * the zones: fail (SERVFAIL), deny the name exists (NXDOMAIN), or say nothing (a timeout).
 */

export type DnsInterference = 'SERVFAIL' | 'NXDOMAIN' | 'TIMEOUT';

/** Asked for every question; undefined lets the zones answer. */
export type DnsFaultCheck = (name: string, type: string) => DnsInterference | undefined;

/** How long the lab's own servers wait for an answer that never comes (a resolver's timeout). */
export const LOOKUP_TIMEOUT_MS = 2000;
