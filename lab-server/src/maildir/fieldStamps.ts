/**
 * Field names stamped with the version of what worked them out ("envelope.15", imap/mime/
 * cacheFields.ts): a raised stamp leaves the message's records of the lower ones (and of the bare
 * name, stamp 0) behind, never read again. A compaction and a COPY/MOVE keep only the highest
 * stamp of each name, so the dead records do not stay in maillab-cache for the message's life.
 */

const STAMPED = /^(.+)\.(\d{1,9})$/;

/** A name's family and stamp: "envelope.15" is ("envelope", 15), "envelope" ("envelope", 0). */
function stampOf(name: string): [string, number] {
  const m = STAMPED.exec(name);
  return m ? [m[1]!, Number(m[2])] : [name, 0];
}

/** Whether `name` carries a stamp. */
export function isStamped(name: string): boolean {
  return STAMPED.test(name);
}

/** Whether some names among `names` are of one family with different stamps (else none can supersede another). */
export function mixesStamps(names: Iterable<string>): boolean {
  const seen = new Set<string>();
  for (const name of names) {
    const [family] = stampOf(name);
    if (seen.has(family)) return true;
    seen.add(family);
  }
  return false;
}

/** The names of one message's records that a higher stamp of the same name supersedes. */
export function supersededNames(names: Iterable<string>): Set<string> {
  const highest = new Map<string, [string, number]>();
  const superseded = new Set<string>();
  for (const name of names) {
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

/** A message's fields without those a higher stamp supersedes. */
export function currentFields(fields: ReadonlyMap<string, string>): Map<string, string> {
  const superseded = supersededNames(fields.keys());
  return new Map([...fields].filter(([name]) => !superseded.has(name)));
}
