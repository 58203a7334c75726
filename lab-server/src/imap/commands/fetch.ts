/**
 * FETCH (RFC 3501 §6.4.5): message data by sequence number (or UID with UID FETCH). Body
 * sections come from the message's MIME view, computed once and cached; BINARY sections (RFC
 * 3516) are parts with their transfer encoding undone. A fetch that is not .PEEK sets \Seen
 * first and reports the new FLAGS in the same response. MODSEQ and the modifiers (CHANGEDSINCE n
 * [VANISHED]) are CONDSTORE and QRESYNC (RFC 7162, condstore.ts).
 */
import type { MessageInfo } from '../../maildir/folder.js';
import { takeTurns } from '../../workers/turns.js';
import { defineCommand, SELECTED, type CommandContext } from '../command.js';
import { enableCondstore, parseFetchModifiers, qresyncOn, vanishedSince, type FetchModifiers } from '../condstore.js';
import { formatInternalDate } from '../dates.js';
import { binaryContent, literalHead, withoutNul, type BinaryContent } from '../binary.js';
import type { MessageView } from '../mime/cache.js';
import { cut } from '../partial.js';
import type { SelectedMailbox, SelectedMessage } from '../selected.js';
import { EnvelopeBatch } from '../mime/envelopeBatch.js';
import { markSeen, seenModseqs } from './fetchSeen.js';
import { sectionBytes } from '../mime/sections.js';
import { bad, no, ok, type Completion } from '../response.js';
import { rest, sequenceSet } from '../schema.js';
import { inAnswerOrder, parseFetchItems, type FetchItem } from '../fetchItems.js';
import type { SequenceSet } from '../sequenceSet.js';
import { batchFromCache, fillEnvelopes, fromCache, isWholeMessage, READ_AHEAD, readMessages, toRead, type Loaded, type Needs } from './fetchLoading.js';

/**
 * What is answered for an item of a message expunged meanwhile whose data is gone: Dovecot's
 * placeholders, each in the item's own syntax (a client parses ENVELOPE and BODYSTRUCTURE as
 * lists). MODSEQ is left out: 0 is no modseq, and any other number would be made up.
 */
const UNKNOWN: Partial<Record<FetchItem['kind'], string>> = {
  FLAGS: 'FLAGS ()',
  ENVELOPE: 'ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)',
  BODYSTRUCTURE: 'BODYSTRUCTURE ("text" "plain" NIL NIL NIL "7bit" 0 0)',
  BODY: 'BODY ("text" "plain" NIL NIL NIL "7bit" 0 0)',
  INTERNALDATE: 'INTERNALDATE "01-Jan-1970 00:00:00 +0000"',
  'RFC822.SIZE': 'RFC822.SIZE 0',
};

export async function runFetch(ctx: CommandContext, set: SequenceSet, items: FetchItem[], modifiers: FetchModifiers = { vanished: false }): Promise<Completion> {
  const selected = ctx.session.selected!;
  const plan = planFetch(ctx, selected, set, items, modifiers);
  if ('status' in plan) return plan;
  // The rare steps each in a function of their own: what runs for every FETCH stays small to compile.
  if (plan.modseq) await enableCondstore(ctx);
  if (modifiers.changedSince !== undefined) plan.found = await changedOnly(ctx, selected, plan.found, set, modifiers);
  // A non-PEEK body fetch sets \Seen first, all at once, so the FLAGS we report are true.
  const seenNow = plan.marksSeen ? await markSeen(selected, plan.found) : NOTHING_SEEN;
  // Fields an earlier run worked out are read once, so the loop below can take them without waiting.
  if (plan.needs.envelope || plan.needs.summary) await selected.folder.fields.ready();
  return answer(ctx, selected, plan, seenNow);
}

/** What a FETCH will do, worked out before anything is read or sent. */
interface FetchPlan {
  found: SelectedMessage[];
  /** In the order they are answered (inAnswerOrder): `writtenFirst` of them, then the FLAGS a \Seen set adds, then the rest. */
  items: FetchItem[];
  writtenFirst: number;
  asked: ReadonlySet<FetchItem['kind']>;
  needs: Needs;
  /** CONDSTORE must be on: MODSEQ was asked for, or CHANGEDSINCE given. */
  modseq: boolean;
  marksSeen: boolean;
}

const NOTHING_SEEN: ReadonlySet<number> = new Set();
/** What a section the message lacks holds. */
const EMPTY = Buffer.alloc(0);

/** The messages and items of a FETCH, and what they need; or the BAD that ends it. */
function planFetch(ctx: CommandContext, selected: SelectedMailbox, set: SequenceSet, items: FetchItem[], modifiers: FetchModifiers): FetchPlan | Completion {
  const found = selected.resolve(set, ctx.uid);
  if (!Array.isArray(found)) {
    return bad(`Message ${found.tooHigh} does not exist: this mailbox has ${selected.exists} messages${selected.exists > 0 ? ` (1 to ${selected.exists}). Try: ${ctx.tag} FETCH 1:${selected.exists} FLAGS` : '. Nothing to fetch yet'}`);
  }
  if (modifiers.vanished && !ctx.uid) return bad(`VANISHED works with UID FETCH only. Try: ${ctx.tag} UID FETCH 1:* FLAGS (CHANGEDSINCE ${modifiers.changedSince} VANISHED)`);
  if (modifiers.vanished && !qresyncOn(ctx.session)) return bad(`VANISHED needs QRESYNC, which is off in this session. Try: ${ctx.tag} ENABLE QRESYNC, then the UID FETCH again`);
  if (ctx.uid && !items.some((i) => i.kind === 'UID')) items = [{ kind: 'UID' }, ...items];
  const modseq = modifiers.changedSince !== undefined || items.some((i) => i.kind === 'MODSEQ');
  // Only what changed after that modseq, each with its MODSEQ (RFC 7162 §3.1.4.1).
  if (modifiers.changedSince !== undefined && !items.some((i) => i.kind === 'MODSEQ')) items = [...items, { kind: 'MODSEQ' }];
  const asked = new Set(items.map((i) => i.kind));
  const summary = items.some((i) => i.kind === 'BODYSTRUCTURE' || i.kind === 'BODY');
  const bodyItems = items.filter((i) => i.kind === 'section' || i.kind === 'binary' || i.kind === 'binarySize');
  const view = bodyItems.some((i) => !isWholeMessage(i));
  const needs: Needs = { envelope: !summary && asked.has('ENVELOPE'), summary, view, wire: !view && bodyItems.length > 0 };
  const marksSeen = !selected.readOnly && items.some((i) => (i.kind === 'section' || i.kind === 'binary') && !i.peek);
  return { found, ...inAnswerOrder(items), asked, needs, modseq, marksSeen };
}

/** CHANGEDSINCE: the messages changed after that modseq, after VANISHED (EARLIER) when asked for. */
async function changedOnly(ctx: CommandContext, selected: SelectedMailbox, found: SelectedMessage[], set: SequenceSet, modifiers: FetchModifiers): Promise<SelectedMessage[]> {
  const changedSince = modifiers.changedSince!;
  if (modifiers.vanished) {
    const vanished = vanishedSince(selected, changedSince, set);
    if (vanished) await ctx.out.untagged(`VANISHED (EARLIER) ${vanished}`);
  }
  return found.filter(({ uid }) => (selected.info(uid)?.modseq ?? 0) > changedSince);
}

/** The FETCH responses, message after message, and the tagged reply's words. */
async function answer(ctx: CommandContext, selected: SelectedMailbox, plan: FetchPlan, seenNow: ReadonlySet<number>): Promise<Completion> {
  const { found, needs } = plan;
  // A message another session expunged is answered from what is still known (its UID and
  // flags, a cached ENVELOPE), with NIL for the rest, as Dovecot does; the command succeeds.
  const outcome: Outcome = { expunged: false };
  // ENVELOPEs alone for many messages (a first sync): the headers of those not cached are read
  // and parsed a chunk at a time, mostly by the envelope reader thread ahead of the responses (envelopeBatch.ts).
  const known = needs.envelope && !needs.view && !needs.wire && found.length > READ_AHEAD ? found.map(({ seq, uid }) => fromCache(selected, seq, uid, needs)) : undefined;
  const envelopes = known && new EnvelopeBatch(selected.folder, known.filter((m) => m.info && !m.envelope).map((m) => m.info!));
  const turn = takeTurns();
  for (let i = 0; i < found.length; i += READ_AHEAD) {
    // The first batch goes at once (no turn has been used yet): a one-message FETCH awaits nothing here.
    if (i > 0) await turn();
    const batch = known ? known.slice(i, i + READ_AHEAD) : batchFromCache(selected, found, i, needs);
    const reads = toRead(batch, needs);
    // Each way of loading in a function of its own: this loop, run for every FETCH, stays small to compile.
    const loading = envelopes ? fillEnvelopes(envelopes, reads) : readMessages(selected, reads, needs);
    if (loading) await loading;
    const writing = respond(ctx, selected, batch, plan, seenNow, outcome);
    if (writing) await writing;
  }
  if (selected.reportsModseq && seenNow.size > 0) await seenModseqs(ctx, selected, found, seenNow);
  return completion(outcome, found.length);
}

/** The tagged reply's words, once every response is out. */
function completion(outcome: Outcome, count: number): Completion {
  if (outcome.unknownEncoding !== undefined) {
    return no(`A part uses the transfer encoding "${outcome.unknownEncoding.slice(0, 30)}", which the server cannot decode: fetch it with BODY[...] instead`, 'UNKNOWN-CTE');
  }
  if (outcome.expunged) return ok('FETCH completed; some messages were already expunged by another session. Send NOOP to see which', 'EXPUNGEISSUED');
  return ok(count === 0 ? 'FETCH completed: no messages in that set' : 'FETCH completed');
}

/**
 * The responses of a batch, from message `from` on: at once, a promise only when the writer
 * writes (its buffer full) or FLAGS must be told first. A loop outside answer(): TurboFan
 * compiles an async function's resumable code at a far higher cost, and this loop is the hot one.
 */
function respond(ctx: CommandContext, selected: SelectedMailbox, batch: readonly Loaded[], plan: FetchPlan, seenNow: ReadonlySet<number>, outcome: Outcome, from = 0): Promise<unknown> | undefined {
  for (let j = from; j < batch.length; j++) {
    // A keyword another session created is announced in FLAGS before a FETCH shows it.
    const flagLines = selected.flagListChanges();
    if (flagLines.length > 0) return tellFlags(ctx, flagLines).then(() => respond(ctx, selected, batch, plan, seenNow, outcome, j));
    const writing = ctx.out.untaggedParts(messageParts(selected, batch[j]!, plan, seenNow, outcome));
    if (writing) return writing.then(() => respond(ctx, selected, batch, plan, seenNow, outcome, j + 1));
  }
  return undefined;
}

async function tellFlags(ctx: CommandContext, lines: readonly string[]): Promise<void> {
  for (const line of lines) await ctx.out.untagged(line);
}

/** What a FETCH found beyond the responses: a message expunged meanwhile, a part it could not decode. */
interface Outcome {
  expunged: boolean;
  unknownEncoding?: string;
}

/**
 * One message's FETCH response, as the parts untaggedParts() joins. A function of its own,
 * small and called once per message, so the engine optimises it early in a big FETCH rather
 * than after the whole of runFetch has been compiled.
 */
function messageParts(selected: SelectedMailbox, message: Loaded, plan: FetchPlan, seenNow: ReadonlySet<number>, outcome: Outcome): Array<string | Buffer> {
  const { items, writtenFirst } = plan;
  const { info } = message;
  const parts: Array<string | Buffer> = [`${message.seq} FETCH (`];
  let flagsSent = false;
  let decoded: Map<string, BinaryContent> | undefined;
  for (let i = 0; i < items.length; i++) {
    if (i === writtenFirst && info && seenNow.has(info.uid)) flagsSent = seenFlags(parts, selected, info, flagsSent);
    const item = items[i]!;
    const fromView = 'responseName' in item;
    const missing = !info || (fromView ? !message.view && !message.wire : item.kind === 'ENVELOPE' ? !(message.envelope ?? message.summary) : (item.kind === 'BODYSTRUCTURE' || item.kind === 'BODY') && !message.summary);
    if (missing && item.kind !== 'UID') {
      const placeholder = fromView ? `${item.responseName} NIL` : UNKNOWN[item.kind];
      if (placeholder) addItem(parts, placeholder);
      // [EXPUNGEISSUED] only when something asked could not be given, as Dovecot says it: UID
      // and FLAGS of an expunged message still known are a whole answer.
      outcome.expunged = true;
      continue;
    }
    switch (item.kind) {
      case 'UID':
        addItem(parts, `UID ${message.uid}`);
        break;
      case 'FLAGS':
        addItem(parts, `FLAGS (${selected.flagsOf(info!).join(' ')})`);
        flagsSent = true;
        break;
      case 'INTERNALDATE':
        addItem(parts, `INTERNALDATE "${formatInternalDate(info!.internalDate)}"`);
        break;
      case 'RFC822.SIZE':
        addItem(parts, `RFC822.SIZE ${info!.wireSize}`);
        break;
      case 'MODSEQ':
        addItem(parts, `MODSEQ (${info!.modseq})`);
        selected.modseqs.sent(info!.modseq);
        break;
      case 'ENVELOPE':
        addItem(parts, 'ENVELOPE ', message.envelope ?? message.summary!.envelope);
        break;
      case 'BODYSTRUCTURE':
        addItem(parts, 'BODYSTRUCTURE ', message.summary!.bodyStructure);
        break;
      case 'BODY':
        addItem(parts, 'BODY ', message.summary!.body);
        break;
      case 'section': {
        const view = message.view;
        const data = view ? sectionBytes(view.wire, view.table, item.section) : message.wire!;
        // Body sections always go out as literals (clients such as curl expect {n}); the
        // bytes are queued as they are, not copied behind their {n} first.
        // A part the message lacks is empty, {0}, as Dovecot answers it, not NIL.
        const bytes = withoutNul(cut(data ?? EMPTY, item.partial));
        addItem(parts, `${item.responseName} {${bytes.length}}\r\n`, bytes);
        break;
      }
      case 'binary':
      case 'binarySize': {
        // A part decoded once for all the items naming it: BINARY[1] asked a thousand times is not a thousand copies.
        const content = message.view ? decodedPart(message.view, item.path, (decoded ??= new Map())) : { data: message.wire! };
        if (content && 'unknownEncoding' in content) outcome.unknownEncoding = content.unknownEncoding;
        // A part the message lacks is empty, as in Dovecot; one it cannot decode is NIL, and the FETCH NO [UNKNOWN-CTE].
        const data = content === undefined ? EMPTY : 'data' in content ? content.data : undefined;
        if (!data || item.kind === 'binarySize') addItem(parts, `${item.responseName} ${!data ? 'NIL' : data.length}`);
        else {
          const bytes = cut(data, item.partial);
          addItem(parts, `${item.responseName} ${literalHead(bytes, content !== undefined && 'binary' in content && content.binary)}`, bytes);
        }
        break;
      }
    }
  }
  if (writtenFirst === items.length && info && seenNow.has(info.uid)) flagsSent = seenFlags(parts, selected, info, flagsSent);
  if (info && flagsSent) selected.noteReported(info.uid, info.flags);
  parts.push(')');
  return parts;
}

/**
 * RFC 3501 §6.4.5: when \Seen was set by this fetch, the new flags are part of the answer, after
 * the items written first (as Dovecot writes them) and before the rest; under CONDSTORE their
 * MODSEQ follows in a response of its own (seenModseqs). Returns true: FLAGS sent.
 */
function seenFlags(parts: Array<string | Buffer>, selected: SelectedMailbox, info: MessageInfo, flagsSent: boolean): boolean {
  if (!flagsSent) addItem(parts, `FLAGS (${selected.flagsOf(info).join(' ')})`);
  return true;
}

/** BINARY[path]'s content, decoded the first time this message's response names it. */
function decodedPart(view: MessageView, path: readonly number[], decoded: Map<string, BinaryContent>): BinaryContent {
  const key = path.join('.');
  if (!decoded.has(key)) decoded.set(key, binaryContent(view, path));
  return decoded.get(key);
}

/** One item of a FETCH response: a string, or its name and its bytes ('ENVELOPE ', <bytes>); a space between items. */
function addItem(parts: Array<string | Buffer>, item: string, value?: string | Buffer): void {
  if (parts.length > 1) parts.push(' ');
  parts.push(item);
  if (value !== undefined) parts.push(value);
}

export default defineCommand({
  name: 'FETCH',
  states: SELECTED,
  args: [sequenceSet(), rest('data items to fetch')],
  example: 'FETCH 1 (FLAGS BODY[HEADER])',
  uidForm: true,
  noExpungeUpdates: true,
  handle(ctx, [set, tokens]) {
    // FETCH 1:* (FLAGS) (CHANGEDSINCE 12): a last parenthesised list of modifiers (RFC 4466).
    const last = tokens.at(-1);
    const modifiers = tokens.length > 1 && last?.type === 'list' && last.items[0]?.type === 'atom' && /^(CHANGEDSINCE|VANISHED)$/i.test(last.items[0].value) ? parseFetchModifiers(last.items) : undefined;
    return runFetch(ctx, set, parseFetchItems(modifiers ? tokens.slice(0, -1) : tokens), modifiers);
  },
});
