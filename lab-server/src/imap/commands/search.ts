/**
 * SEARCH (RFC 3501 §6.4.4): the numbers (or with UID SEARCH, the UIDs) of the messages that
 * match every key. With RETURN (...) the answer is an ESEARCH response (RFC 4731): MIN, MAX,
 * ALL, COUNT, PARTIAL; SAVE keeps the result for "$" (RFC 5182) and UPDATE keeps it live
 * (RFC 5267). SORT answers the same way, so it shares `answerSearch`.
 */
import { defineCommand, SELECTED, type CommandContext } from '../command.js';
import { enableCondstore } from '../condstore.js';
import { esearchResponse, readReturnOptions, returned, savedPart, type ReturnOptions } from '../esearch.js';
import { MAX_LIVE_RESULTS, pinNumbers } from '../liveResults.js';
import { bad, ok, stringBytes, type Completion } from '../response.js';
import { parseSearch, usesModseq, type SearchKey } from '../search.js';
import { findMatches, skipCharset } from '../searchMailbox.js';
import { rest } from '../schema.js';
import { SequenceSet } from '../sequenceSet.js';
import type { SortCriterion, Sorted } from '../sort.js';

/**
 * Runs a search-like command with its RETURN options. A command that fails after asking to
 * SAVE leaves "$" empty (RFC 5182 §2.1), so a later "$" cannot name a stale result.
 */
export async function withReturnOptions(ctx: CommandContext, options: ReturnOptions | undefined, run: () => Promise<Completion>): Promise<Completion> {
  if (options?.update && ctx.session.liveResults.has(ctx.tag)) {
    return bad(`The tag ${ctx.tag} already has live results: give each SEARCH ... RETURN (UPDATE) a tag of its own`);
  }
  if (!options?.save) return run();
  try {
    const done = await run();
    if (done.status !== 'OK') ctx.session.selected!.savedResult = SequenceSet.of([]);
    return done;
  } catch (err) {
    ctx.session.selected!.savedResult = SequenceSet.of([]);
    throw err;
  }
}

/** Sends the result of SEARCH or SORT as the client asked for it. */
export async function answerSearch(ctx: CommandContext, name: 'SEARCH' | 'SORT', options: ReturnOptions | undefined, key: SearchKey, results: Sorted[], sort?: SortCriterion[]): Promise<Completion> {
  const { tag, uid, session, out } = ctx;
  const selected = session.selected!;
  const ids = results.map((r) => (uid ? r.uid : r.seq));
  // IMAP4rev2 has no "* SEARCH" response: a plain SEARCH is answered as RETURN (ALL) (RFC 9051 §6.4.4).
  if (!options && name === 'SEARCH' && session.imap4rev2) options = { min: false, max: false, all: true, count: false, save: false, update: false };
  // A search by MODSEQ answers with the highest modseq of what it returns (RFC 7162 §3.1.5).
  const withModseq = usesModseq(key);
  if (withModseq) await enableCondstore(ctx);
  const highest = (some: readonly Sorted[]): number => some.reduce((h, r) => Math.max(h, selected.info(r.uid)?.modseq ?? 0), 0);
  if (!options) {
    const modseq = withModseq && ids.length > 0 ? ` (MODSEQ ${highest(results)})` : '';
    await out.untagged(ids.length > 0 ? `${name} ${ids.join(' ')}${modseq}` : name);
    return ok(`${name} completed (${ids.length} matching)`);
  }
  const line = esearchResponse(tag, uid, options, ids, withModseq ? highest(returned(options, results)) : undefined);
  if (line) await out.untagged(line);
  if (options.save) selected.savedResult = SequenceSet.of(savedPart(options, results).map((r) => r.uid).sort((a, b) => a - b));
  if (options.update) {
    if (session.liveResults.count >= MAX_LIVE_RESULTS) {
      await out.untagged(`NO [NOUPDATE ${stringBytes(tag).toString('latin1')}] At most ${MAX_LIVE_RESULTS} live results; CANCELUPDATE one first`);
    } else {
      session.liveResults.start(selected, tag, uid, pinNumbers(key, selected), results, sort);
    }
  }
  return ok(`${name} completed (${ids.length} matching)${options.update ? '; changes will be reported as they happen' : ''}`);
}

export default defineCommand({
  name: 'SEARCH',
  states: SELECTED,
  args: [rest('search keys')],
  example: 'SEARCH UNSEEN FROM "bob"',
  uidForm: true,
  noExpungeUpdates: true,
  async handle(ctx, [tokens]) {
    const { options, rest: afterReturn } = readReturnOptions(tokens);
    return withReturnOptions(ctx, options, async () => {
      const key = parseSearch(skipCharset(afterReturn));
      const found = await findMatches(ctx.session.selected!, key);
      return answerSearch(ctx, 'SEARCH', options, key, found.map((f) => ({ ...f, values: [] })));
    });
  },
});
