/** CANCELUPDATE (RFC 5267 §4.3.5): stops the live results a SEARCH or SORT ... RETURN (UPDATE) started. */
import { defineCommand, SELECTED } from '../command.js';
import { no, ok } from '../response.js';
import { ArgumentError, rest } from '../schema.js';

export default defineCommand({
  name: 'CANCELUPDATE',
  states: SELECTED,
  args: [rest('tag of a SEARCH ... RETURN (UPDATE), in quotes')],
  example: 'CANCELUPDATE "a5"',
  async handle({ session }, [tokens]) {
    const tags = tokens.map((t) => {
      if (t.type !== 'string' || t.literal) throw new ArgumentError('CANCELUPDATE takes the tags in quotes, e.g. CANCELUPDATE "a5"');
      return t.value.toString('latin1');
    });
    const unknown = tags.filter((tag) => !session.liveResults.cancel(tag));
    if (unknown.length > 0) return no(`No live results under the tag "${unknown[0]!.slice(0, 30)}"; the others were stopped`);
    return ok('CANCELUPDATE completed: those results are no longer updated');
  },
});
