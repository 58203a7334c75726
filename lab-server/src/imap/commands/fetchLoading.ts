/**
 * What a FETCH reads of each message beyond the index, and how: cached fields first, then the
 * message's file (at once when it is small enough), a few dozen messages at a time.
 */
import type { MaildirFolder, MessageInfo } from '../../maildir/folder.js';
import { toWire } from '../../maildir/wire.js';
import type { FetchItem } from '../fetchItems.js';
import type { EnvelopeBatch } from '../mime/envelopeBatch.js';
import { cachedEnvelope, cachedSummary, messageEnvelope, messageSummary, messageView, type MessageSummary, type MessageView } from '../mime/cache.js';
import { INLINE_BYTES } from '../mime/limits.js';
import type { SelectedMailbox, SelectedMessage } from '../selected.js';

/** How many messages are read from disk at once. */
export const READ_AHEAD = 32;

/**
 * A message being answered. A class with every field set from the start: one shape for all
 * messages and all FETCHes, so the code that reads it stays optimised whatever was asked
 * (an ENVELOPE sync, then bodies one by one), not thrown away and compiled again.
 */
export class Loaded {
  envelope: Buffer | string | undefined = undefined;
  summary: MessageSummary | undefined = undefined;
  view: MessageView | undefined = undefined;
  /** The whole message on the wire, when only that is asked for (no part table needed). */
  wire: Buffer | undefined = undefined;

  constructor(
    readonly seq: number,
    readonly uid: number,
    readonly info: MessageInfo | undefined,
  ) {}
}

/**
 * What the items need beyond the index: the ENVELOPE alone, the whole summary, the parsed
 * message, or the message's bytes alone.
 */
export interface Needs {
  envelope: boolean;
  summary: boolean;
  view: boolean;
  wire: boolean;
}

/**
 * BODY[], BODY.PEEK[], RFC822 (with or without <partial>): the whole message as it is. Not
 * BINARY[]: that decodes every part inside (binary.ts), so it needs the message parsed.
 */
export const isWholeMessage = (item: FetchItem): boolean => item.kind === 'section' && item.section.kind === '' && item.section.path.length === 0;

/**
 * The whole message on the wire without parsing it: what a client opening a message asks for.
 * Read at once when it can be (one open, read and close: no stat, no promise), so most such
 * FETCHes take no turn of the event loop; undefined then. A large message goes the parsed way
 * instead, whose line-end conversion runs on a worker.
 */
function loadWholeMessage(folder: MaildirFolder, loaded: Loaded): Promise<void> | undefined {
  const info = loaded.info!;
  if (info.size <= INLINE_BYTES) {
    // The bytes are lent, so a file already in CRLF form, which toWire() hands back as it is, is copied.
    const wire = folder.readNow(info.uid, (stored) => {
      const converted = toWire(stored);
      return converted === stored ? Buffer.from(stored) : converted;
    });
    if (wire) {
      loaded.wire = wire;
      return undefined;
    }
  }
  return (async () => {
    if (info.size > INLINE_BYTES) loaded.view = await messageView(folder, info);
    else {
      const stored = await folder.read(info.uid);
      if (stored) loaded.wire = toWire(stored);
    }
  })();
}

/** A message with what is known of it without reading its file. */
export function fromCache(selected: SelectedMailbox, seq: number, uid: number, needs: Needs): Loaded {
  const info = selected.info(uid) ?? selected.ghost(uid);
  const loaded = new Loaded(seq, uid, info);
  if (info && needs.envelope) loaded.envelope = cachedEnvelope(selected.folder, info);
  if (info && needs.summary) loaded.summary = cachedSummary(selected.folder, info);
  return loaded;
}

/** The next messages from `first` on, with what is known of them without reading their files. */
export function batchFromCache(selected: SelectedMailbox, found: readonly SelectedMessage[], first: number, needs: Needs): Loaded[] {
  // Plain loops on this per-command path: no closures for map() and filter() to call.
  const batch: Loaded[] = [];
  for (let i = first, end = Math.min(found.length, first + READ_AHEAD); i < end; i++) batch.push(fromCache(selected, found[i]!.seq, found[i]!.uid, needs));
  return batch;
}

/** The messages of a batch whose files must be read for what is asked. */
export function toRead(batch: readonly Loaded[], needs: Needs): Loaded[] {
  const reads: Loaded[] = [];
  for (let i = 0; i < batch.length; i++) {
    const m = batch[i]!;
    if (m.info && ((needs.envelope && !m.envelope) || (needs.summary && !m.summary) || needs.view || needs.wire)) reads.push(m);
  }
  return reads;
}

/** Fills in what the cache did not have, from the message's file; undefined when that was done at once. */
export function fromMessage(selected: SelectedMailbox, loaded: Loaded, needs: Needs): Promise<void> | undefined {
  if (needs.wire && !needs.envelope && !needs.summary) return loadWholeMessage(selected.folder, loaded);
  return (async () => {
    const info = loaded.info!;
    if (needs.envelope && !loaded.envelope) loaded.envelope = await messageEnvelope(selected.folder, info);
    if (needs.summary && !loaded.summary) loaded.summary = await messageSummary(selected.folder, info);
    if (needs.view) loaded.view = await messageView(selected.folder, info);
    if (needs.wire) await loadWholeMessage(selected.folder, loaded);
  })();
}

/**
 * ENVELOPEs from the batch reader: at once from a chunk already parsed, a promise only when one
 * is still being read (no async function, nor a turn of the microtask queue, for each batch).
 */
export function fillEnvelopes(envelopes: EnvelopeBatch, reads: readonly Loaded[], from = 0): Promise<unknown> | undefined {
  for (let i = from; i < reads.length; i++) {
    const m = reads[i]!;
    const envelope = envelopes.envelope(m.info!);
    if (envelope instanceof Promise) {
      return envelope.then((read) => {
        m.envelope = read;
        return fillEnvelopes(envelopes, reads, i + 1);
      });
    }
    m.envelope = envelope;
  }
  return undefined;
}

/** Reads what the messages need from their files; a promise only for what could not be read at once. */
export function readMessages(selected: SelectedMailbox, reads: readonly Loaded[], needs: Needs): Promise<unknown> | undefined {
  let waits: Array<Promise<void>> | undefined;
  for (let i = 0; i < reads.length; i++) {
    const wait = fromMessage(selected, reads[i]!, needs);
    if (wait) (waits ??= []).push(wait);
  }
  return waits && Promise.all(waits);
}
