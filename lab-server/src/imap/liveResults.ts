/**
 * Live search results (RFC 5267 RETURN (UPDATE)): after SEARCH or SORT with UPDATE the client
 * is told, whenever the result changes, what joined it (ADDTO) and what left it (REMOVEFROM),
 * until CANCELUPDATE or until the mailbox is closed. Messages are re-checked only when their
 * flags changed or they are new; a REMOVEFROM for an expunged message goes out before the
 * EXPUNGE, while its number still names it.
 */
import { stringBytes } from './response.js';
import type { SearchKey } from './search.js';
import { findMatches } from './searchMailbox.js';
import type { SelectedMailbox } from './selected.js';
import { compactSet, SequenceSet } from './sequenceSet.js';
import { compareSorted, withSortValues, type SortCriterion, type Sorted } from './sort.js';

/** Live results per session: enough for a webmail's views, bounded for everyone else. */
export const MAX_LIVE_RESULTS = 10;

interface Live {
  tag: string;
  uid: boolean;
  key: SearchKey;
  /** For SORT: positions in the sorted result matter. */
  sort?: SortCriterion[];
  members: Sorted[];
  /** What each message looked like when last checked (flags), by UID. */
  seen: Map<number, string>;
}

/** What a message's search-relevant state is; when it changes, the message is checked again. */
const stateOf = (flags: string): string => flags;

/**
 * Message numbers in a search are read when the command runs (RFC 5267 §4.3): they become the
 * UIDs they named then, so later expunges do not shift what the search means. So does "$".
 */
export function pinNumbers(key: SearchKey, selected: SelectedMailbox): SearchKey {
  switch (key.op) {
    case 'and':
      return { op: 'and', keys: key.keys.map((k) => pinNumbers(k, selected)) };
    case 'or':
      return { op: 'or', a: pinNumbers(key.a, selected), b: pinNumbers(key.b, selected) };
    case 'not':
      return { op: 'not', key: pinNumbers(key.key, selected) };
    case 'seq': {
      const uids = selected.allUids();
      return { op: 'uid', set: SequenceSet.of(uids.filter((_, i) => key.set.has(i + 1, uids.length))) };
    }
    case 'saved':
      return { op: 'uid', set: selected.savedResult };
    case 'uid':
      return key.set.isSaved ? { op: 'uid', set: selected.savedResult } : key;
    default:
      return key;
  }
}

export class LiveResults {
  private live: Live[] = [];

  get count(): number {
    return this.live.length;
  }

  has(tag: string): boolean {
    return this.live.some((l) => l.tag === tag);
  }

  /** Starts keeping a result (already pinned with pinNumbers) up to date. */
  start(selected: SelectedMailbox, tag: string, uid: boolean, key: SearchKey, members: Sorted[], sort?: SortCriterion[]): void {
    const seen = new Map<number, string>();
    for (const u of selected.allUids()) {
      const info = selected.info(u);
      if (info) seen.set(u, stateOf(info.flags));
    }
    this.live.push({ tag, uid, key, sort, members, seen });
  }

  /** Stops updates for a tag; false if there were none. */
  cancel(tag: string): boolean {
    const before = this.live.length;
    this.live = this.live.filter((l) => l.tag !== tag);
    return this.live.length < before;
  }

  clear(): void {
    this.live = [];
  }

  /**
   * Runs the mailbox's own update (EXISTS, EXPUNGE, FETCH lines) and weaves the ESEARCH
   * updates into it: removals of expunged messages before the first EXPUNGE, the rest after.
   */
  async around(selected: SelectedMailbox, update: () => Promise<string[]>): Promise<string[]> {
    if (this.live.length === 0) return update();
    const before = selected.allUids();
    const lines = await update();
    const now = new Set(selected.allUids());
    const oldSeq = new Map<number, number>();
    before.forEach((u, i) => {
      if (!now.has(u)) oldSeq.set(u, i + 1);
    });
    const early: string[] = [];
    const late: string[] = [];
    for (const live of this.live) {
      if (oldSeq.size > 0) {
        const line = this.dropExpunged(live, oldSeq);
        if (line) early.push(line);
      }
      const line = await this.recheck(live, selected);
      if (line) late.push(line);
    }
    let at = lines.findIndex((l) => /^\d+ EXPUNGE$|^VANISHED /.test(l));
    if (at === -1) at = 0;
    return [...lines.slice(0, at), ...early, ...lines.slice(at), ...late];
  }

  private dropExpunged(live: Live, oldSeq: ReadonlyMap<number, number>): string | undefined {
    const removed: Array<[number, number]> = [];
    live.members.forEach((m, i) => {
      if (oldSeq.has(m.uid)) removed.push([i + 1, live.uid ? m.uid : oldSeq.get(m.uid)!]);
    });
    for (const uid of oldSeq.keys()) live.seen.delete(uid);
    if (removed.length === 0) return undefined;
    live.members = live.members.filter((m) => !oldSeq.has(m.uid));
    return `${head(live)} ${removals(live, removed)}`;
  }

  /** Re-checks new and changed messages; the ADDTO/REMOVEFROM line, if the result changed. */
  private async recheck(live: Live, selected: SelectedMailbox): Promise<string | undefined> {
    const changed = new Set<number>();
    for (const u of selected.allUids()) {
      const info = selected.info(u);
      if (!info) continue;
      const state = stateOf(info.flags);
      if (live.seen.get(u) === state) continue;
      live.seen.set(u, state);
      changed.add(u);
    }
    if (changed.size === 0) return undefined;
    const found = await findMatches(selected, live.key, changed);
    const matched = new Set(found.map((f) => f.uid));
    const idOf = (uid: number): number => (live.uid ? uid : selected.seqOf(uid));
    const removed: Array<[number, number]> = [];
    live.members.forEach((m, i) => {
      if (changed.has(m.uid) && !matched.has(m.uid)) removed.push([i + 1, idOf(m.uid)]);
    });
    live.members = live.members.filter((m) => !(changed.has(m.uid) && !matched.has(m.uid)));
    const present = new Set(live.members.map((m) => m.uid));
    const joining = found.filter((f) => !present.has(f.uid));
    const added: Array<[number, number]> = [];
    if (joining.length > 0) {
      const entries = live.sort ? await withSortValues(selected, joining, live.sort) : joining.map((f) => ({ ...f, values: [] }));
      // One push each: push(...entries) overflows the stack past about 120,000 arrivals.
      for (const entry of entries) live.members.push(entry);
      live.members.sort(live.sort ? compareSorted(live.sort) : (a, b) => a.uid - b.uid);
      const joined = new Set(joining.map((f) => f.uid));
      live.members.forEach((m, i) => {
        if (joined.has(m.uid)) added.push([i + 1, idOf(m.uid)]);
      });
    }
    const parts = [removed.length > 0 ? removals(live, removed) : '', added.length > 0 ? additions(live, added) : ''].filter(Boolean);
    return parts.length > 0 ? `${head(live)} ${parts.join(' ')}` : undefined;
  }
}

function head(live: Live): string {
  return `ESEARCH (TAG ${stringBytes(live.tag).toString('latin1')})${live.uid ? ' UID' : ''}`;
}

/**
 * REMOVEFROM from [position, id] pairs in result order. A SEARCH result names position 0 and
 * the ids in mailbox order; a SORT result removes from the last position back, so each
 * position is still right when the client applies it.
 */
function removals(live: Live, removed: Array<[number, number]>): string {
  if (!live.sort) return `REMOVEFROM (0 ${compactSet(removed.map(([, id]) => id).sort((a, b) => a - b))})`;
  return `REMOVEFROM (${[...removed].reverse().map(([pos, id]) => `${pos} ${id}`).join(' ')})`;
}

/** ADDTO from [final position, id] pairs, first position first, so each lands where it belongs. */
function additions(live: Live, added: Array<[number, number]>): string {
  if (!live.sort) return `ADDTO (0 ${compactSet(added.map(([, id]) => id).sort((a, b) => a - b))})`;
  return `ADDTO (${added.map(([pos, id]) => `${pos} ${id}`).join(' ')})`;
}
