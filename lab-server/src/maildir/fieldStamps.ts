/**
 * Field names stamped with the version of what worked them out ("envelope.16", imap/mime/
 * cacheFields.ts): a raised stamp leaves the records of the lower ones (and of the bare name,
 * stamp 0) behind, never read again. A compaction and a COPY/MOVE keep, of each name, only the
 * current stamp (as the layer that works the fields out declares it) or, of a name it declared
 * nothing for, the highest; so the dead records do not stay in maillab-cache for the message's
 * life, whether the message was fetched again or not.
 */

const STAMPED = /^(.+)\.(\d{1,9})$/;

/** The current stamp of each name, as declared by the layer that works the fields out. */
const current = new Map<string, number>();

/** Declares the stamp records of `family` are made with now: records of a lower one are dead. */
export function declareStamp(family: string, stamp: number): void {
  current.set(family, stamp);
}

/** A name's family and stamp: "envelope.16" is ("envelope", 16), "envelope" ("envelope", 0). */
function stampOf(name: string): [string, number] {
  const m = STAMPED.exec(name);
  return m ? [m[1]!, Number(m[2])] : [name, 0];
}

/** Whether a name's stamp is below the current one declared for its family. */
function outdated(name: string): boolean {
  const [family, stamp] = stampOf(name);
  const now = current.get(family);
  return now !== undefined && stamp < now;
}

/** Whether `name` carries a stamp. */
export function isStamped(name: string): boolean {
  return STAMPED.test(name);
}

/** Whether records named `names` may supersede one another or be outdated (else no message's are). */
export function mixesStamps(names: Iterable<string>): boolean {
  const seen = new Set<string>();
  for (const name of names) {
    const [family] = stampOf(name);
    if (seen.has(family) || outdated(name)) return true;
    seen.add(family);
  }
  return false;
}

/** The names of one message's records that are outdated or that a higher stamp of the same name supersedes. */
export function supersededNames(names: Iterable<string>): Set<string> {
  const highest = new Map<string, [string, number]>();
  const superseded = new Set<string>();
  for (const name of names) {
    if (outdated(name)) {
      superseded.add(name);
      continue;
    }
    const [family, stamp] = stampOf(name);
    const best = highest.get(family);
    if (!best) highest.set(family, [name, stamp]);
    else if (stamp > best[1]) {
      superseded.add(best[0]);
      highest.set(family, [name, stamp]);
    } else if (name !== best[0]) superseded.add(name);
  }
  return superseded;
}

/** A message's fields without those outdated or superseded. */
export function currentFields(fields: ReadonlyMap<string, string>): Map<string, string> {
  const superseded = supersededNames(fields.keys());
  return new Map([...fields].filter(([name]) => !superseded.has(name)));
}
