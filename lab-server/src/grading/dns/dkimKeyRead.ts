/**
 * DKIM key records read with case-sensitive tag names, as RFC 6376 §3.2 asks ("Tags MUST be
 * interpreted in a case-sensitive manner") and dkimpy and OpenDKIM do: every tag a key record
 * defines is lower case, so "K=ed25519" or "H=sha1" is an unknown tag, which verifiers ignore.
 * mailauth 4.9, which the lab's receiving MTA and the DKIM grader verify with, lower-cases tag
 * names first: it took "K=ED25519" for the key type and failed a signature every other verifier
 * passes (and "P=..." for a key where the others find none).
 *
 * Every key lookup mailauth makes goes through `withDkimKeysRead`, which hands it the record
 * without those tags, so it reads what the others read.
 */

/** node:dns `resolve(name, type)`, as mailauth calls it. */
type Resolve = (name: string, type: string) => Promise<unknown>;

/** The record without its tags whose names are not all lower case (unknown to every verifier). */
export function withoutCasedTags(record: string): string {
  return record
    .split(';')
    .filter((part) => {
      const eq = part.indexOf('=');
      return eq < 0 || !/[A-Z]/.test(part.slice(0, eq));
    })
    .join(';');
}

/** `resolve` with the TXT answers at _domainkey names read with case-sensitive tag names. */
export function withDkimKeysRead<R extends Resolve>(resolve: R): R {
  return (async (name: string, type: string) => {
    const answer = await resolve(name, type);
    if (type.toUpperCase() !== 'TXT' || !/\._domainkey\./i.test(name) || !Array.isArray(answer)) return answer;
    return answer.map((strings: unknown) => (Array.isArray(strings) ? [withoutCasedTags(strings.join(''))] : strings));
  }) as R;
}
