/**
 * The MIME view of a message, computed once and reused by every session. A message's file
 * never changes once delivered (only its name does, with its flags), so views are keyed by the
 * folder and the permanent base name. Two caches, each bounded by the bytes it holds:
 * serialised ENVELOPE/BODYSTRUCTURE summaries, and whole messages (octets + part table). The
 * summaries also go into the folder's field cache on disk (maildir/fieldCache.ts), so they
 * survive a restart.
 * Entries of an expunged message are dropped at once, so a hostile message leaves nothing
 * behind when it is deleted.
 *
 * Parsing never blocks the event loop: a small, simple message is parsed here in a few
 * milliseconds; anything bigger or busier is parsed on a worker thread (workers/pool.ts).
 */
import type { FolderChange, MaildirFolder, MessageInfo } from '../../maildir/folder.js';
import { mailWorkers, movableBlock } from '../../workers/pool.js';
import { BODY_FIELD, BODYSTRUCTURE_FIELD, ENVELOPE_FIELD } from './cacheFields.js';
import { HEADER_READ, headerText, quickEnvelope } from './envelopeFiles.js';
import { describeMessage, searchMessage, type ContentAnswer, type ContentQuery, type DescribedMessage } from './jobs.js';
import { INLINE_BYTES, INLINE_LIMITS, MIME_LIMITS } from './limits.js';
import { unfold, type HeaderField } from './header.js';
import { rootOf, tableBytes, type PartTable } from './table.js';
import { asBuffer } from '../../workers/bytes.js';

export interface MessageView {
  /** The message as it goes on the wire (CRLF line ends). */
  wire: Buffer;
  table: PartTable;
}

/** Serialised: bytes, or byte strings (latin1) as the field cache keeps them. */
export interface MessageSummary {
  envelope: Buffer | string;
  bodyStructure: Buffer | string;
  body: Buffer | string;
}

const SUMMARY_BUDGET = 16 * 1024 * 1024;
const ENVELOPE_BUDGET = 8 * 1024 * 1024;
const VIEW_BUDGET = 48 * 1024 * 1024;
/** Larger messages are parsed for the request at hand and not kept. */
const MAX_CACHED_VIEW = 8 * 1024 * 1024;
const JOBS = new URL('./jobs.ts', import.meta.url).href;

class Lru<V> {
  private map = new Map<string, { value: V; cost: number }>();
  private total = 0;

  constructor(private readonly budget: number) {}

  get bytes(): number {
    return this.total;
  }

  get(key: string): V | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, cost: number): void {
    this.delete(key);
    if (cost > this.budget) return;
    this.map.set(key, { value, cost });
    this.total += cost;
    for (const [k, e] of this.map) {
      if (this.total <= this.budget) break;
      this.map.delete(k);
      this.total -= e.cost;
    }
  }

  delete(key: string): void {
    const old = this.map.get(key);
    if (!old) return;
    this.map.delete(key);
    this.total -= old.cost;
  }
}

const summaries = new Lru<MessageSummary>(SUMMARY_BUDGET);
/**
 * ENVELOPEs worked out from the header alone, for messages whose structure nobody asked for:
 * byte strings (latin1), which cost the heap less than thousands of small Buffers.
 */
const envelopes = new Lru<string>(ENVELOPE_BUDGET);
const views = new Lru<MessageView>(VIEW_BUDGET);
/** Per folder, the cache keys of its messages by UID, to drop them when they are expunged. */
const keysByFolder = new WeakMap<MaildirFolder, Map<number, string>>();

/** Bytes the caches hold (for tests and the benchmark). */
export function cachedBytes(): number {
  return summaries.bytes + views.bytes;
}

function keyOf(folder: MaildirFolder, info: MessageInfo): string {
  let keys = keysByFolder.get(folder);
  if (!keys) {
    const mine = (keys = new Map());
    keysByFolder.set(folder, mine);
    const onChange = (change: FolderChange): void => {
      if (change.type !== 'expunge') return;
      for (const uid of change.uids) {
        const key = mine.get(uid);
        mine.delete(uid);
        if (key) {
          views.delete(key);
          summaries.delete(key);
          envelopes.delete(key);
        }
      }
    };
    folder.changes.on('change', onChange);
    // The folder went idle (maildir/idleFolders.ts): its keys go with it; the cached values, keyed by base name, stay usable.
    folder.changes.once('unload', () => {
      folder.changes.off('change', onChange);
      keysByFolder.delete(folder);
    });
  }
  // The same string each time for a message: its hash is worked out once, not at every lookup.
  // (Checked against the base name: a rebuilt index may give a UID to another message.)
  let key = keys.get(info.uid);
  if (key === undefined || !key.endsWith(info.base)) keys.set(info.uid, (key = `${folder.dir}\0${info.base}`));
  return key;
}

/** The queue a message's work waits in: its sandbox (the path up to vhosts/). */
function laneOf(folder: MaildirFolder): string {
  const at = folder.dir.indexOf('/vhosts/');
  return at === -1 ? folder.dir : folder.dir.slice(0, at);
}

/** Parses here when that is quick for sure, on a worker thread otherwise. */
async function describe(folder: MaildirFolder, stored: Buffer): Promise<DescribedMessage> {
  if (stored.length <= INLINE_BYTES) {
    const quick = describeMessage(stored, INLINE_LIMITS);
    if (!quick.limited) return quick;
  }
  // The stored bytes are not needed here any more: they move to the worker rather than being copied.
  return mailWorkers.run<DescribedMessage>({ module: JOBS, fn: 'describeMessage', args: [stored, MIME_LIMITS], lane: laneOf(folder), weight: stored.length, transfer: movableBlock(stored) });
}

async function load(folder: MaildirFolder, info: MessageInfo, key: string): Promise<{ view: MessageView; summary: MessageSummary } | undefined> {
  const stored = await folder.read(info.uid);
  if (!stored) return undefined;
  const described = await describe(folder, stored);
  const view = { wire: asBuffer(described.wire), table: described.table };
  const summary = { envelope: asBuffer(described.summary.envelope), bodyStructure: asBuffer(described.summary.bodyStructure), body: asBuffer(described.summary.body) };
  if (view.wire.length <= MAX_CACHED_VIEW) views.set(key, view, view.wire.length + tableBytes(view.table) + 256);
  summaries.set(key, summary, summary.envelope.length + summary.bodyStructure.length + summary.body.length + 256);
  // Kept in the folder's field cache too, so the next process need not parse the message again.
  folder.fields.set(info.base, ENVELOPE_FIELD, summary.envelope);
  folder.fields.set(info.base, BODYSTRUCTURE_FIELD, summary.bodyStructure);
  folder.fields.set(info.base, BODY_FIELD, summary.body);
  return { view, summary };
}

/** The parsed message, or undefined if it was expunged meanwhile. */
export async function messageView(folder: MaildirFolder, info: MessageInfo): Promise<MessageView | undefined> {
  const key = keyOf(folder, info);
  return views.get(key) ?? (await load(folder, info, key))?.view;
}

/** ENVELOPE, BODYSTRUCTURE and BODY, serialised; read and parsed only the first time. */
export async function messageSummary(folder: MaildirFolder, info: MessageInfo): Promise<MessageSummary | undefined> {
  await folder.fields.ready();
  return cachedSummary(folder, info) ?? (await load(folder, info, keyOf(folder, info)))?.summary;
}

/**
 * The summary if it is known without reading the message: in memory, or in the folder's field
 * cache (worked out by an earlier run). Call `folder.fields.ready()` first for the latter.
 */
export function cachedSummary(folder: MaildirFolder, info: MessageInfo): MessageSummary | undefined {
  const found = summaries.get(keyOf(folder, info));
  if (found) return found;
  const envelope = folder.fields.peek(info.base, ENVELOPE_FIELD, info.cacheAt);
  const bodyStructure = folder.fields.peek(info.base, BODYSTRUCTURE_FIELD, info.cacheAt);
  const body = folder.fields.peek(info.base, BODY_FIELD, info.cacheAt);
  return envelope && bodyStructure && body ? { envelope, bodyStructure, body } : undefined;
}

/** The ENVELOPE, serialised: from the header alone the first time when that is quick for sure. */
export async function messageEnvelope(folder: MaildirFolder, info: MessageInfo): Promise<Buffer | string | undefined> {
  await folder.fields.ready();
  const cached = cachedEnvelope(folder, info);
  if (cached) return cached;
  // A header longer than what was read, or too busy, is parsed with the whole message (on a worker).
  const envelope = await folder.readStart(info.uid, HEADER_READ, (head) => quickEnvelope(headerText(head), head.length < HEADER_READ, INLINE_LIMITS) ?? null);
  if (envelope === undefined) return undefined;
  if (envelope === null) return (await load(folder, info, keyOf(folder, info)))?.summary.envelope;
  keepEnvelope(folder, info, envelope);
  return envelope;
}

/** Keeps an ENVELOPE worked out from a message's header, in memory and in the folder's field cache. */
export function keepEnvelope(folder: MaildirFolder, info: MessageInfo, envelope: string): void {
  // Kept here as well when the field cache could not keep it in memory (not loaded yet).
  if (!folder.fields.set(info.base, ENVELOPE_FIELD, envelope)) envelopes.set(keyOf(folder, info), envelope, envelope.length + 128);
}

/**
 * keepEnvelope() for the ENVELOPEs a batch worked out (envelopeBatch.ts): `envelopes[i]` is the
 * one of `infos[from + i]`, null when the quick way could not settle it (kept by the careful way).
 */
export function keepEnvelopes(folder: MaildirFolder, infos: readonly MessageInfo[], from: number, envelopes: ReadonlyArray<string | null>): void {
  const bases: string[] = [];
  for (let i = 0; i < envelopes.length; i++) bases.push(infos[from + i]!.base);
  if (folder.fields.setMany(ENVELOPE_FIELD, bases, envelopes)) return;
  for (let i = 0; i < envelopes.length; i++) {
    const envelope = envelopes[i];
    if (envelope !== null && envelope !== undefined) keepEnvelope(folder, infos[from + i]!, envelope);
  }
}

/**
 * At delivery, while the message is still in memory: its ENVELOPE goes into the folder's field
 * cache, so the first FETCH ENVELOPE after it reads no file (as Dovecot's LDA caches fields at
 * save time). Only a header that is quick for sure is read here; any other is left for FETCH.
 */
export function rememberEnvelope(folder: MaildirFolder, base: string, message: Buffer): void {
  try {
    const envelope = quickEnvelope(headerText(message.subarray(0, HEADER_READ)), message.length <= HEADER_READ, INLINE_LIMITS);
    if (envelope !== undefined) folder.fields.set(base, ENVELOPE_FIELD, envelope);
  } catch {
    // Only a shortcut: the message is delivered, and FETCH works the ENVELOPE out itself.
  }
}

/** The ENVELOPE if it is known without reading the message (after `folder.fields.ready()`). */
export function cachedEnvelope(folder: MaildirFolder, info: MessageInfo): Buffer | string | undefined {
  // The field cache first: after a restart it has them all, and it needs no key built.
  const stored = folder.fields.peek(info.base, ENVELOPE_FIELD, info.cacheAt);
  if (stored) return stored;
  // Only a message given a key before can have an entry here: a first FETCH of thousands of
  // messages makes no key for each one to find nothing.
  const key = keysByFolder.get(folder)?.get(info.uid);
  if (key === undefined || !key.endsWith(info.base)) return undefined;
  return envelopes.get(key) ?? summaries.get(key)?.envelope;
}

/** Answers SEARCH's content queries for one message; undefined if it was expunged meanwhile. */
export async function searchContent(folder: MaildirFolder, info: MessageInfo, queries: ContentQuery[]): Promise<ContentAnswer[] | undefined> {
  const stored = await folder.read(info.uid);
  if (!stored) return undefined;
  if (stored.length <= INLINE_BYTES) {
    const quick = searchMessage(stored, queries, INLINE_LIMITS);
    if (!quick.limited) return quick.answers;
  }
  const done = await mailWorkers.run<{ answers: ContentAnswer[] }>({ module: JOBS, fn: 'searchMessage', args: [stored, queries, MIME_LIMITS], lane: laneOf(folder), weight: stored.length, transfer: movableBlock(stored) });
  return done.answers;
}

const headers = new WeakMap<MessageView, HeaderField[]>();

/**
 * The message's own header fields, read from its part table (at most the header limit of
 * them): what SORT and THREAD compare. Worked out once per cached view.
 */
export function headerFields(view: MessageView): readonly HeaderField[] {
  let fields = headers.get(view);
  if (!fields) {
    fields = [...rootOf(view.table).fields()].map(([start, colon, end]) => ({
      name: view.wire.toString('latin1', start, colon).trim().toLowerCase(),
      raw: view.wire.subarray(start, end),
      value: unfold(view.wire.toString('latin1', colon + 1, end)),
      start,
      colon,
      end,
    }));
    headers.set(view, fields);
  }
  return fields;
}
