/**
 * DMARC records written with spaces around "=" ("v = DMARC1; p = reject") or policies in capitals
 * ("p=REJECT"), read as receivers read them. RFC 7489 §6.4 allows whitespace there (`"p" *WSP "=" *WSP ...`), and OpenDMARC,
 * the milter most Postfix servers run, trims it. mailauth 4.9, which the lab's receiving MTA
 * and the DMARC grader use, does not: it takes the policy " reject" (enforced as nothing) and
 * skips a "v = DMARC1" record altogether, as if the domain had none.
 *
 * Every DMARC lookup mailauth makes goes through `withDmarcSpacingRead`, which hands it such a
 * record with that whitespace taken out, so it reads what OpenDMARC reads.
 */

/** node:dns `resolve(name, type)`, as mailauth calls it. */
type Resolve = (name: string, type: string) => Promise<unknown>;

/** A DMARC record however it spaces its version tag (the literal's case is judged elsewhere). */
const DMARC_VERSION = /^\s*v\s*=\s*DMARC1\s*(;|$)/i;

/**
 * Tags whose values RFC 7489's grammar spells as quoted literals, which match in any case (RFC
 * 5234 §2.3), as OpenDMARC reads them ("p=REJECT" is reject). mailauth compares them as written:
 * its policy "REJECT" was no "reject", so the lab's MTA delivered what p=REJECT refuses, and
 * "adkim=S" was relaxed alignment.
 */
const CASELESS_VALUES = new Set(['p', 'sp', 'adkim', 'aspf']);

/** The record with the whitespace around each tag's name and value taken out, "p=REJECT" as "p=reject". */
export function withoutTagSpacing(record: string): string {
  return record
    .split(';')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0) return part.trim();
      const name = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      return `${name}=${CASELESS_VALUES.has(name.toLowerCase()) ? value.toLowerCase() : value}`;
    })
    .filter((part) => part !== '')
    .join('; ');
}

/** `resolve` with the TXT answers at _dmarc names that are DMARC records read as OpenDMARC reads them. */
export function withDmarcSpacingRead<R extends Resolve>(resolve: R): R {
  return (async (name: string, type: string) => {
    const answer = await resolve(name, type);
    if (type.toUpperCase() !== 'TXT' || !/^_dmarc\./i.test(name) || !Array.isArray(answer)) return answer;
    return answer.map((strings: unknown) => {
      if (!Array.isArray(strings)) return strings;
      const record = strings.join('');
      return DMARC_VERSION.test(record) ? [withoutTagSpacing(record)] : strings;
    });
  }) as R;
}
