/**
 * Whether a folder's field cache file is worth rewriting (fieldCache.ts compact()): when its
 * records do not all name the one before them (the index cannot keep offsets into it), when most
 * of it is about messages long gone, or when half its messages have records a raised stamp
 * superseded (fieldStamps.ts).
 */
import type { FieldRecords } from './fieldRecords.js';
import { mixesStamps, supersededNames } from './fieldStamps.js';

/** Messages gone below this many are not worth a rewrite, however large a share of the file. */
const STALE_AT_LEAST = 100;

/** `live`: the base names still in the folder; `unlinked`: some records do not name the one before them. */
export function compactionDue(records: FieldRecords, live: ReadonlySet<string>, unlinked: boolean): boolean {
  if (unlinked) return true;
  let bases = 0;
  let stale = 0;
  let superseded = 0;
  // Only while the file holds two stamps of a name are a message's names looked at.
  const mixed = mixesStamps(records.names);
  for (const base of records.bases()) {
    bases++;
    if (!live.has(base)) stale++;
    else if (mixed && supersededNames(records.namesOf(base)).size > 0) superseded++;
  }
  return (superseded > 0 && superseded * 2 >= bases) || (stale >= STALE_AT_LEAST && stale >= bases / 2);
}
