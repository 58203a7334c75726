/**
 * NOTIFY (RFC 5465): tells the server which events to report as they happen, for the selected
 * mailbox and for others by name, subtree, subscription or all of them, so a client needs
 * neither IDLE per folder nor STATUS polling. NOTIFY NONE stops it.
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { parseNotifySet, supportedEvents, UnsupportedEvents } from '../notify.js';
import { no, ok } from '../response.js';
import { ArgumentError, rest } from '../schema.js';
import { parseFetchItems } from '../fetchItems.js';

export default defineCommand({
  name: 'NOTIFY',
  states: LOGGED_IN,
  args: [rest('SET or NONE')],
  example: 'NOTIFY SET STATUS (SELECTED (MessageNew MessageExpunge FlagChange)) (PERSONAL (MessageNew MessageExpunge))',
  async handle({ session, out }, [tokens]) {
    const first = tokens[0];
    const verb = first?.type === 'atom' ? first.value.toUpperCase() : '';
    if (verb === 'NONE') {
      if (tokens.length > 1) throw new ArgumentError('NOTIFY NONE takes nothing after it');
      await session.notify(undefined);
      return ok('NOTIFY completed: no more events unless a command is running');
    }
    if (verb !== 'SET') throw new ArgumentError('NOTIFY is followed by SET (then the events) or NONE');
    let spec;
    try {
      spec = parseNotifySet(tokens.slice(1), session.parseContext);
    } catch (err) {
      if (err instanceof UnsupportedEvents) return no(`${err.message}. The events this server reports are listed in the code`, `BADEVENT (${supportedEvents().join(' ')})`);
      throw err;
    }
    const fetchItems = spec.selected?.fetch ? parseFetchItems([{ type: 'list', items: spec.selected.fetch }]) : undefined;
    for (const line of await session.notify(spec, fetchItems)) await out.untagged(line);
    return ok('NOTIFY completed: events are reported as they happen');
  },
});
