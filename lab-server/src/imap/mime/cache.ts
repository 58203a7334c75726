/**
 * The MIME view of a message, computed once and reused by every session. A message's file
 * never changes once delivered (only its name does, with its flags), so views are keyed by the
 * folder and the permanent base name. Two caches: small serialised ENVELOPE/BODYSTRUCTURE
 * summaries for many messages, and whole parsed messages (octets + tree) within a byte budget.
 */
import type { MaildirFolder, MessageInfo } from '../../maildir/folder.js';
import { toWire } from '../../maildir/wire.js';
import { serialize } from '../response.js';
import { parseMessage, type MimePart } from './parse.js';
import { bodyStructureOf, envelopeOf } from './structure.js';

export interface MessageView {
  /** The message as it goes on the wire (CRLF line ends). */
  wire: Buffer;
  root: MimePart;
}

export interface MessageSummary {
  envelope: Buffer;
  bodyStructure: Buffer;
  body: Buffer;
}

const MAX_SUMMARIES = 50_000;
const VIEW_BUDGET = 64 * 1024 * 1024;
/** Larger messages are parsed for the request at hand and not kept. */
const MAX_CACHED_VIEW = 8 * 1024 * 1024;

class Lru<V> {
  private map = new Map<string, { value: V; cost: number }>();
  private total = 0;

  constructor(private readonly budget: number) {}

  get(key: string): V | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, cost: number): void {
    const old = this.map.get(key);
    if (old) this.total -= old.cost;
    this.map.delete(key);
    this.map.set(key, { value, cost });
    this.total += cost;
    for (const [k, e] of this.map) {
      if (this.total <= this.budget) break;
      this.map.delete(k);
      this.total -= e.cost;
    }
  }
}

const summaries = new Lru<MessageSummary>(MAX_SUMMARIES);
const views = new Lru<MessageView>(VIEW_BUDGET);

const keyOf = (folder: MaildirFolder, info: MessageInfo): string => `${folder.dir}\0${info.base}`;

/** The parsed message, or undefined if it was expunged meanwhile. */
export async function messageView(folder: MaildirFolder, info: MessageInfo): Promise<MessageView | undefined> {
  const key = keyOf(folder, info);
  const cached = views.get(key);
  if (cached) return cached;
  const stored = await folder.read(info.uid);
  if (!stored) return undefined;
  const wire = toWire(stored);
  const view = { wire, root: parseMessage(wire) };
  if (wire.length <= MAX_CACHED_VIEW) views.set(key, view, wire.length + 512);
  return view;
}

/** ENVELOPE, BODYSTRUCTURE and BODY, serialised; read and parsed only the first time. */
export async function messageSummary(folder: MaildirFolder, info: MessageInfo): Promise<MessageSummary | undefined> {
  const key = keyOf(folder, info);
  const cached = summaries.get(key);
  if (cached) return cached;
  const view = await messageView(folder, info);
  if (!view) return undefined;
  const summary = {
    envelope: serialize(envelopeOf(view.root.fields)),
    bodyStructure: serialize(bodyStructureOf(view.wire, view.root, true)),
    body: serialize(bodyStructureOf(view.wire, view.root, false)),
  };
  summaries.set(key, summary, 1);
  return summary;
}
