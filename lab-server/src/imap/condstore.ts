/**
 * CONDSTORE and QRESYNC (RFC 7162): every message has a modification sequence (MODSEQ) that
 * goes up whenever its flags change, the mailbox has a HIGHESTMODSEQ, and a client that
 * remembers one can ask for just what changed since (FETCH ... (CHANGEDSINCE n)), store only if
 * nothing changed meanwhile (STORE ... (UNCHANGEDSINCE n)), and with QRESYNC resynchronise a
 * whole mailbox in its SELECT, expunges included (VANISHED). The modseqs come from the folder
 * index (maildir/folderIndex.ts), which keeps them across restarts.
 *
 * CONDSTORE is switched on for a session by ENABLE CONDSTORE or by its first use (a "CONDSTORE
 * enabling command"); QRESYNC only by ENABLE QRESYNC, and it implies CONDSTORE.
 */
import type { Token } from './parser.js';
import type { ResponseWriter } from './response.js';
import { ArgumentError } from './schema.js';
import type { SelectedMailbox } from './selected.js';
import { compactSet, InvalidSequenceSet, lowerBound, SequenceSet } from './sequenceSet.js';

export const CONDSTORE = 'CONDSTORE';
export const QRESYNC = 'QRESYNC';

/**
 * What this needs of a session (SessionApi has it): said here, so that the search and sort
 * modules, which read modseqs, stay below the command contract.
 */
interface ModseqSession {
  /** Extensions turned on with ENABLE (or by first use), upper-cased. */
  readonly enabled: Set<string>;
  readonly selected: SelectedMailbox | undefined;
}

export function condstoreOn(session: ModseqSession): boolean {
  return session.enabled.has(CONDSTORE) || session.enabled.has(QRESYNC);
}

export function qresyncOn(session: ModseqSession): boolean {
  return session.enabled.has(QRESYNC);
}

/**
 * A CONDSTORE enabling command was used. In a selected mailbox the client is told the
 * HIGHESTMODSEQ at once (RFC 7162 §3.1), since it may not have been listening for it.
 */
export async function enableCondstore({ session, out }: { session: ModseqSession; out: ResponseWriter }): Promise<void> {
  if (condstoreOn(session)) return;
  session.enabled.add(CONDSTORE);
  if (!session.selected) return;
  session.selected.reportsModseq = true;
  await out.untagged(highestModseqLine(session.selected));
}

/** The untagged OK that tells the client the selected mailbox's HIGHESTMODSEQ. */
export function highestModseqLine(selected: SelectedMailbox): string {
  return `OK [HIGHESTMODSEQ ${selected.folder.highestModseq}] Highest modification sequence`;
}

/**
 * The UIDs expunged after `modseq` among `within` (UIDs; all when absent), compactly, for
 * VANISHED (EARLIER); undefined when there are none. Expunged as this session sees the
 * mailbox: a message another session removed a moment ago is still in the session's view (and
 * counted in the EXISTS it was told) until the update step reports it with VANISHED, so it is
 * not named here; naming it would make a client drop it from its numbering too early and read
 * every later FETCH one message off. The folder remembers recent expunges with their modseqs;
 * past that memory every UID below UIDNEXT that is neither in the view nor in the folder is
 * named, as Dovecot does (a client ignores UIDs it never had), except those the client's QRESYNC
 * sample shows were not expunged (RFC 7162 §3.2.5.2).
 */
export function vanishedSince(selected: SelectedMailbox, modseq: number, within?: SequenceSet, sample?: readonly SamplePair[]): string | undefined {
  const folder = selected.folder;
  const top = folder.nextUid - 1;
  if (top < 1) return undefined;
  const history = folder.expungedSince(modseq);
  if (history) {
    const uids = [...new Set(history)].filter((uid) => uid <= top && selected.seqOf(uid) === 0 && (!within || within.has(uid, top))).sort((a, b) => a - b);
    return uids.length > 0 ? compactSet(uids) : undefined;
  }
  const from = sample ? unchangedUpTo(selected, sample) + 1 : 1;
  // Arrivals the view has not taken in yet are not vanished either.
  const present = [...new Set([...selected.allUids(), ...folder.list().map((m) => m.uid)])].sort((a, b) => a - b);
  const parts: string[] = [];
  for (const [low, high] of within ? within.resolve(top) : [[1, top] as [number, number]]) {
    const last = Math.min(high, top);
    let next = Math.max(low, from);
    for (let i = lowerBound(present, next); next <= last; i++) {
      const kept = i < present.length ? Math.min(present[i]!, last + 1) : last + 1;
      if (kept > next) parts.push(kept - 1 === next ? `${next}` : `${next}:${kept - 1}`);
      next = kept + 1;
    }
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** One (sequence number, UID) pair the client remembers, from SELECT ... (QRESYNC (... (seqs uids))). */
export type SamplePair = [seq: number, uid: number];

/**
 * The highest UID of the sample that still has the sequence number the client knew: with as
 * many messages before it as then, none of them can have been expunged since. Pairs are
 * checked in order up to the first that no longer matches, as Dovecot does.
 */
function unchangedUpTo(selected: SelectedMailbox, sample: readonly SamplePair[]): number {
  let upTo = 0;
  for (const [seq, uid] of sample) {
    if (selected.uidAt(seq) !== uid) break;
    upTo = uid;
  }
  return upTo;
}

/** A mod-sequence value: 1 to 2^63-1 (0 only where `zero` allows it, as in CHANGEDSINCE 0). */
export function modseqArg(token: Token | undefined, what: string, zero = true): number {
  const text = token?.type === 'atom' && !token.section ? token.value : '';
  if (!/^\d{1,19}$/.test(text) || BigInt(text) > 0x7fffffffffffffffn || (!zero && BigInt(text) === 0n)) {
    throw new ArgumentError(`${what} needs a mod-sequence number, e.g. ${what} 1234`);
  }
  // Beyond 2^53 nothing here has happened yet: the largest exact number stands for them all.
  return Math.min(Number(text), Number.MAX_SAFE_INTEGER);
}

/** FETCH modifiers: (CHANGEDSINCE n) or, with UID FETCH and QRESYNC, (CHANGEDSINCE n VANISHED). */
export interface FetchModifiers {
  changedSince?: number;
  vanished: boolean;
}

export function parseFetchModifiers(list: readonly Token[]): FetchModifiers {
  const result: FetchModifiers = { vanished: false };
  for (let i = 0; i < list.length; i++) {
    const name = list[i]!.type === 'atom' ? (list[i] as { value: string }).value.toUpperCase() : '';
    if (name === 'CHANGEDSINCE' && result.changedSince === undefined) result.changedSince = modseqArg(list[++i], 'CHANGEDSINCE');
    else if (name === 'VANISHED' && !result.vanished) result.vanished = true;
    else throw new ArgumentError('FETCH modifiers are (CHANGEDSINCE <modseq>) and, after it, VANISHED, e.g. UID FETCH 1:* FLAGS (CHANGEDSINCE 12 VANISHED)');
  }
  if (result.vanished && result.changedSince === undefined) throw new ArgumentError('VANISHED needs CHANGEDSINCE beside it: (CHANGEDSINCE 12 VANISHED)');
  return result;
}

/** STORE modifiers: (UNCHANGEDSINCE n). */
export function parseStoreModifiers(list: readonly Token[]): number {
  const name = list[0]?.type === 'atom' ? list[0].value.toUpperCase() : '';
  if (name !== 'UNCHANGEDSINCE' || list.length !== 2) throw new ArgumentError('The STORE modifier is (UNCHANGEDSINCE <modseq>), e.g. STORE 1 (UNCHANGEDSINCE 12) +FLAGS (\\Seen)');
  return modseqArg(list[1], 'UNCHANGEDSINCE');
}

/** What a client remembers of a mailbox, given to SELECT (QRESYNC (...)). */
export interface QresyncParams {
  uidValidity: number;
  modseq: number;
  /** The UIDs it knows of (all when absent). */
  knownUids?: SequenceSet;
  /** Some of its sequence numbers with their UIDs, in order. */
  sample?: SamplePair[];
}

/** SELECT/EXAMINE parameters: (CONDSTORE) or (QRESYNC (uidvalidity modseq [known-uids [(seqs uids)]])). */
export function parseSelectParams(list: readonly Token[]): { condstore: boolean; qresync?: QresyncParams } {
  const result: { condstore: boolean; qresync?: QresyncParams } = { condstore: false };
  for (let i = 0; i < list.length; i++) {
    const name = list[i]!.type === 'atom' ? (list[i] as { value: string }).value.toUpperCase() : '';
    if (name === 'CONDSTORE') result.condstore = true;
    else if (name === 'QRESYNC' && list[i + 1]?.type === 'list') result.qresync = parseQresync((list[++i] as { items: Token[] }).items);
    else throw new ArgumentError('SELECT parameters are (CONDSTORE) or (QRESYNC (<uidvalidity> <modseq> [<known uids>]))');
  }
  return result;
}

function parseQresync(items: readonly Token[]): QresyncParams {
  const uidValidity = items[0]?.type === 'atom' && /^\d{1,10}$/.test(items[0].value) ? Number(items[0].value) : 0;
  if (uidValidity < 1 || uidValidity > 0xffffffff) throw new ArgumentError('QRESYNC starts with the UIDVALIDITY the client remembers, e.g. (QRESYNC (1700000000 12))');
  const params: QresyncParams = { uidValidity, modseq: modseqArg(items[1], 'QRESYNC', false) };
  let rest = items.slice(2);
  if (rest[0]?.type === 'atom') {
    params.knownUids = uidSet(rest[0].value, 'known UIDs');
    rest = rest.slice(1);
  }
  // The optional (sequence numbers, UIDs) sample helps when the expunge history no longer
  // reaches back to the client's modseq (RFC 7162 §3.2.5.2).
  if (rest[0]?.type === 'list') {
    const [seqs, uids, extra] = rest[0].items;
    if (seqs?.type !== 'atom' || uids?.type !== 'atom' || extra !== undefined) throw new ArgumentError('The QRESYNC sample is (<sequence numbers> <UIDs>), e.g. (1:3 5,7,9)');
    params.sample = samplePairs(uidSet(seqs.value, 'sample'), uidSet(uids.value, 'sample'));
    rest = rest.slice(1);
  }
  if (rest.length > 0) throw new ArgumentError('Too many QRESYNC parameters: (<uidvalidity> <modseq> [<known uids> [(<seqs> <uids>)]])');
  return params;
}

/**
 * The sample's pairs: the first and last UID of each UID range with the sequence numbers in
 * the same places, so a sample of any length costs as many pairs as it has ranges.
 */
function samplePairs(seqs: SequenceSet, uids: SequenceSet): SamplePair[] {
  const seqRanges = seqs.resolve(0);
  const count = (ranges: Array<[number, number]>): number => ranges.reduce((n, [low, high]) => n + high - low + 1, 0);
  if (count(seqRanges) !== count(uids.resolve(0))) throw new ArgumentError('The QRESYNC sample names as many sequence numbers as UIDs');
  // The n-th sequence number (from 0), walking the ranges from where the last one was found.
  let range = 0;
  let before = 0;
  const nth = (n: number): number => {
    while (n - before > seqRanges[range]![1] - seqRanges[range]![0]) {
      before += seqRanges[range]![1] - seqRanges[range]![0] + 1;
      range++;
    }
    return seqRanges[range]![0] + n - before;
  };
  const pairs: SamplePair[] = [];
  let n = 0;
  for (const [low, high] of uids.resolve(0)) {
    pairs.push([nth(n), low]);
    if (high > low) pairs.push([nth(n + high - low), high]);
    n += high - low + 1;
  }
  return pairs;
}

function uidSet(text: string, what: string): SequenceSet {
  try {
    if (text.includes('*') || text === '$') throw new InvalidSequenceSet(text);
    return SequenceSet.parse(text);
  } catch (err) {
    if (err instanceof InvalidSequenceSet) throw new ArgumentError(`The ${what} must be a set of numbers without "*", e.g. 1:20,25`);
    throw err;
  }
}
