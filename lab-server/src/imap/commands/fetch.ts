/**
 * FETCH (RFC 3501 §6.4.5): message data by sequence number (or UID with UID FETCH). Body
 * sections come from the message's MIME view, computed once and cached; BINARY sections (RFC
 * 3516) are parts with their transfer encoding undone. A fetch that is not .PEEK sets \Seen
 * first and reports the new FLAGS in the same response. MODSEQ and the modifiers (CHANGEDSINCE n
 * [VANISHED]) are CONDSTORE and QRESYNC (RFC 7162, condstore.ts).
 */
import type { MaildirFolder, MessageInfo } from '../../maildir/folder.js';
import { toWire } from '../../maildir/wire.js';
import { takeTurns } from '../../workers/turns.js';
import { defineCommand, SELECTED, type CommandContext } from '../command.js';
import { enableCondstore, parseFetchModifiers, qresyncOn, vanishedSince, type FetchModifiers } from '../condstore.js';
import { formatInternalDate } from '../dates.js';
import { binaryContent, contentLiteral } from '../binary.js';
import { hasFlag } from '../flags.js';
import { cut } from '../partial.js';
import { messageSummary, messageView, type MessageSummary, type MessageView } from '../mime/cache.js';
import { INLINE_BYTES } from '../mime/limits.js';
import { sectionBytes } from '../mime/sections.js';
import { bad, no, ok, type Completion } from '../response.js';
import { rest, sequenceSet } from '../schema.js';
import { parseFetchItems, type FetchItem } from '../fetchItems.js';
import type { SequenceSet } from '../sequenceSet.js';

/** Body sections always go out as literals: clients such as curl expect {n}. */
function literal(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`{${bytes.length}}\r\n`), bytes]);
}

interface Loaded {
  seq: number;
  uid: number;
  info: MessageInfo | undefined;
  summary?: MessageSummary;
  view?: MessageView;
  /** The whole message on the wire, when only that is asked for (no part table needed). */
  wire?: Buffer;
}

/** BODY[], BODY.PEEK[], RFC822, BINARY[] (with or without <partial>): the whole message as it is. */
const isWholeMessage = (item: FetchItem): boolean =>
  (item.kind === 'section' && item.section.kind === '' && item.section.path.length === 0) || ((item.kind === 'binary' || item.kind === 'binarySize') && item.path.length === 0);

/**
 * The whole message on the wire without parsing it: what a client opening a message asks for.
 * A large message goes the parsed way instead, whose line-end conversion runs on a worker.
 */
async function wholeMessage(folder: MaildirFolder, info: MessageInfo): Promise<{ wire?: Buffer; view?: MessageView } | undefined> {
  if (info.size > INLINE_BYTES) {
    const view = await messageView(folder, info);
    return view && { view };
  }
  const stored = await folder.read(info.uid);
  return stored && { wire: toWire(stored) };
}

/** How many messages are read from disk at once. */
const READ_AHEAD = 32;

export async function runFetch(ctx: CommandContext, set: SequenceSet, items: FetchItem[], modifiers: FetchModifiers = { vanished: false }): Promise<Completion> {
  const selected = ctx.session.selected!;
  let found = selected.resolve(set, ctx.uid);
  if (!Array.isArray(found)) {
    return bad(`Message ${found.tooHigh} does not exist: this mailbox has ${selected.exists} messages${selected.exists > 0 ? ` (1 to ${selected.exists}). Try: ${ctx.tag} FETCH 1:${selected.exists} FLAGS` : '. Nothing to fetch yet'}`);
  }
  if (modifiers.vanished && !ctx.uid) return bad(`VANISHED works with UID FETCH only. Try: ${ctx.tag} UID FETCH 1:* FLAGS (CHANGEDSINCE ${modifiers.changedSince} VANISHED)`);
  if (modifiers.vanished && !qresyncOn(ctx.session)) return bad(`VANISHED needs QRESYNC, which is off in this session. Try: ${ctx.tag} ENABLE QRESYNC, then the UID FETCH again`);
  if (ctx.uid && !items.some((i) => i.kind === 'UID')) items = [{ kind: 'UID' }, ...items];
  const { changedSince } = modifiers;
  if (changedSince !== undefined || items.some((i) => i.kind === 'MODSEQ')) await enableCondstore(ctx);
  if (changedSince !== undefined) {
    // Only what changed after that modseq, each with its MODSEQ (RFC 7162 §3.1.4.1).
    if (!items.some((i) => i.kind === 'MODSEQ')) items = [...items, { kind: 'MODSEQ' }];
    if (modifiers.vanished) {
      const vanished = vanishedSince(selected, changedSince, set);
      if (vanished) await ctx.out.untagged(`VANISHED (EARLIER) ${vanished}`);
    }
    found = found.filter(({ uid }) => (selected.info(uid)?.modseq ?? 0) > changedSince);
  }
  const asked = new Set(items.map((i) => i.kind));
  const needSummary = items.some((i) => i.kind === 'ENVELOPE' || i.kind === 'BODYSTRUCTURE' || i.kind === 'BODY');
  const bodyItems = items.filter((i) => i.kind === 'section' || i.kind === 'binary' || i.kind === 'binarySize');
  const needView = bodyItems.some((i) => !isWholeMessage(i));
  const needWire = !needView && bodyItems.length > 0;
  const marksSeen = !selected.readOnly && items.some((i) => (i.kind === 'section' || i.kind === 'binary') && !i.peek);

  // A non-PEEK body fetch sets \Seen first, all at once, so the FLAGS we report are true.
  const seenNow = new Set<number>();
  if (marksSeen) {
    const changes = found
      .map(({ uid }) => selected.info(uid))
      .filter((info): info is MessageInfo => info !== undefined && !hasFlag(info.flags, '\\Seen'))
      .map((info) => ({ uid: info.uid, flags: info.flags + 'S' }));
    if (changes.length > 0) for (const info of (await selected.folder.storeFlags(changes)).stored) seenNow.add(info.uid);
  }

  // A message another session expunged is answered from what is still known (its UID and
  // flags, a cached ENVELOPE), with NIL for the rest, as Dovecot does; the command succeeds.
  let expunged = false;
  let unknownEncoding: string | undefined;
  const turn = takeTurns();
  for (let i = 0; i < found.length; i += READ_AHEAD) {
    await turn();
    const batch = await Promise.all(
      found.slice(i, i + READ_AHEAD).map(async ({ seq, uid }): Promise<Loaded> => {
        const info = selected.info(uid) ?? selected.ghost(uid);
        const loaded: Loaded = { seq, uid, info };
        if (!info) return loaded;
        if (needSummary) loaded.summary = await messageSummary(selected.folder, info);
        if (needView) loaded.view = await messageView(selected.folder, info);
        if (needWire) Object.assign(loaded, await wholeMessage(selected.folder, info));
        return loaded;
      }),
    );
    for (const message of batch) {
      const { info } = message;
      if (!info || !selected.info(message.uid)) expunged = true;
      const parts: Buffer[] = [];
      let flagsSent = false;
      for (const item of items) {
        const fromView = 'responseName' in item;
        const missing = !info || (fromView ? !message.view && !message.wire : ['ENVELOPE', 'BODYSTRUCTURE', 'BODY'].includes(item.kind) && !message.summary);
        if (missing && item.kind !== 'UID') {
          parts.push(Buffer.from(fromView ? `${item.responseName} NIL` : item.kind === 'FLAGS' ? 'FLAGS ()' : `${item.kind} NIL`));
          continue;
        }
        switch (item.kind) {
          case 'UID':
            parts.push(Buffer.from(`UID ${message.uid}`));
            break;
          case 'FLAGS':
            parts.push(Buffer.from(`FLAGS (${selected.flagsOf(info!).join(' ')})`));
            flagsSent = true;
            break;
          case 'INTERNALDATE':
            parts.push(Buffer.from(`INTERNALDATE "${formatInternalDate(info!.internalDate)}"`));
            break;
          case 'RFC822.SIZE':
            parts.push(Buffer.from(`RFC822.SIZE ${info!.wireSize}`));
            break;
          case 'MODSEQ':
            parts.push(Buffer.from(`MODSEQ (${info!.modseq})`));
            break;
          case 'ENVELOPE':
            parts.push(Buffer.concat([Buffer.from('ENVELOPE '), message.summary!.envelope]));
            break;
          case 'BODYSTRUCTURE':
            parts.push(Buffer.concat([Buffer.from('BODYSTRUCTURE '), message.summary!.bodyStructure]));
            break;
          case 'BODY':
            parts.push(Buffer.concat([Buffer.from('BODY '), message.summary!.body]));
            break;
          case 'section': {
            const view = message.view;
            const data = view ? sectionBytes(view.wire, view.table, item.section) : message.wire!;
            parts.push(Buffer.concat([Buffer.from(`${item.responseName} `), data ? literal(cut(data, item.partial)) : Buffer.from('NIL')]));
            break;
          }
          case 'binary':
          case 'binarySize': {
            const content = message.view ? binaryContent(message.view, item.path) : { data: message.wire! };
            if (content && 'unknownEncoding' in content) unknownEncoding = content.unknownEncoding;
            const data = content && 'data' in content ? content.data : undefined;
            const value = !data ? Buffer.from('NIL') : item.kind === 'binarySize' ? Buffer.from(String(data.length)) : contentLiteral(cut(data, item.partial));
            parts.push(Buffer.concat([Buffer.from(`${item.responseName} `), value]));
            break;
          }
        }
      }
      // RFC 3501 §6.4.5: when \Seen was set by this fetch, the new flags are part of the answer.
      if (info && seenNow.has(info.uid)) {
        if (!flagsSent) parts.push(Buffer.from(`FLAGS (${selected.flagsOf(info).join(' ')})`));
        flagsSent = true;
        // RFC 7162 §3.1: under CONDSTORE a flag change is reported with its UID and new MODSEQ.
        if (selected.reportsModseq && !asked.has('UID')) parts.push(Buffer.from(`UID ${info.uid}`));
        if (selected.reportsModseq && !asked.has('MODSEQ')) parts.push(Buffer.from(`MODSEQ (${info.modseq})`));
      }
      if (info && flagsSent) selected.noteReported(info.uid, info.flags);
      await ctx.out.untagged(Buffer.concat([Buffer.from(`${message.seq} FETCH (`), ...joinWithSpaces(parts), Buffer.from(')')]));
    }
  }
  if (unknownEncoding !== undefined) {
    return no(`A part uses the transfer encoding "${unknownEncoding.slice(0, 30)}", which the server cannot decode: fetch it with BODY[...] instead`, 'UNKNOWN-CTE');
  }
  if (expunged) return ok('FETCH completed; some messages were already expunged by another session. Send NOOP to see which', 'EXPUNGEISSUED');
  return ok(found.length === 0 ? 'FETCH completed: no messages in that set' : 'FETCH completed');
}

function joinWithSpaces(parts: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(SPACE);
    out.push(p);
  });
  return out;
}

const SPACE = Buffer.from(' ');

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
