/**
 * SORT (RFC 5256, SORT=DISPLAY of RFC 5957): the messages that match, in the order of the sort
 * program. With RETURN (...) it answers with ESEARCH as SEARCH does (ESORT and CONTEXT=SORT,
 * RFC 5267), MIN and MAX meaning the first and the last in sorted order.
 */
import { defineCommand, SELECTED } from '../command.js';
import { readReturnOptions } from '../esearch.js';
import { ArgumentError, rest } from '../schema.js';
import { parseSearch } from '../search.js';
import { checkCharset, findMatches } from '../searchMailbox.js';
import { parseSortProgram, sortMessages } from '../sort.js';
import { answerSearch, withReturnOptions } from './search.js';

export default defineCommand({
  name: 'SORT',
  states: SELECTED,
  args: [rest('sort program, charset and search keys')],
  example: 'SORT (REVERSE DATE) UTF-8 ALL',
  uidForm: true,
  noExpungeUpdates: true,
  async handle(ctx, [tokens]) {
    const { options, rest: afterReturn } = readReturnOptions(tokens);
    return withReturnOptions(ctx, options, async () => {
      const program = parseSortProgram(afterReturn[0]);
      if (afterReturn.length < 3) throw new ArgumentError('SORT needs a sort program, a charset and search keys');
      checkCharset(afterReturn[1]);
      const key = parseSearch(afterReturn.slice(2));
      const selected = ctx.session.selected!;
      const sorted = await sortMessages(selected, await findMatches(selected, key), program);
      return answerSearch(ctx, 'SORT', options, key, sorted, program);
    });
  },
});
