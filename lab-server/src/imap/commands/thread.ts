/**
 * THREAD (RFC 5256): the messages that match, grouped into conversations by ORDEREDSUBJECT
 * (same base subject) or REFERENCES (who replied to whom). UID THREAD answers with UIDs.
 */
import { defineCommand, SELECTED } from '../command.js';
import { messageView } from '../mime/cache.js';
import { ok } from '../response.js';
import { ArgumentError, rest } from '../schema.js';
import { parseSearch } from '../search.js';
import { checkCharset, findMatches } from '../searchMailbox.js';
import { THREAD_ALGORITHMS, threadMessage, threadResponse, type ThreadAlgorithm } from '../thread.js';
import { takeTurns } from '../../workers/turns.js';
import { plural } from '../../grading/feedback.js';

export default defineCommand({
  name: 'THREAD',
  states: SELECTED,
  args: [rest('threading algorithm, charset and search keys')],
  example: 'THREAD REFERENCES UTF-8 ALL',
  uidForm: true,
  noExpungeUpdates: true,
  async handle({ uid, session, out }, [tokens]) {
    const first = tokens[0];
    const algorithm = first?.type === 'atom' ? first.value.toUpperCase() : '';
    if (!(THREAD_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new ArgumentError(`THREAD needs an algorithm: ${THREAD_ALGORITHMS.join(' or ')}, then a charset and search keys`);
    }
    if (tokens.length < 3) throw new ArgumentError('THREAD needs an algorithm, a charset and search keys');
    checkCharset(tokens[1]);
    const key = parseSearch(tokens.slice(2));
    const selected = session.selected!;
    const messages = [];
    const turn = takeTurns();
    for (const found of await findMatches(selected, key)) {
      await turn();
      messages.push(threadMessage(found, uid ? found.uid : found.seq, await messageView(selected.folder, found.info)));
    }
    const threads = await threadResponse(algorithm as ThreadAlgorithm, messages, turn);
    await out.untagged(threads ? `THREAD ${threads}` : 'THREAD');
    return ok(`THREAD completed (${plural(messages.length, 'message')})`);
  },
});
