/**
 * ENABLE (RFC 5161): turns on extensions that change how the server answers. IMAP4rev2 (RFC
 * 9051) is one: a server that offers both revisions speaks IMAP4rev1 until the client enables
 * IMAP4rev2, and from then on mailbox names are UTF-8, SEARCH answers with ESEARCH, \Recent
 * is gone and LIST is the extended one. CONDSTORE and QRESYNC (RFC 7162) add modification
 * sequences and VANISHED. Names the server does not know are ignored.
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { condstoreOn, highestModseqLine, qresyncOn } from '../condstore.js';
import { ok } from '../response.js';
import { ArgumentError, rest } from '../schema.js';

/** What ENABLE can turn on, as the capability spells it. */
const ENABLEABLE = new Map([
  ['IMAP4REV2', 'IMAP4rev2'],
  // RFC 7162: modification sequences; QRESYNC implies CONDSTORE.
  ['CONDSTORE', 'CONDSTORE'],
  ['QRESYNC', 'QRESYNC'],
]);

export default defineCommand({
  name: 'ENABLE',
  states: LOGGED_IN,
  args: [rest('extension name')],
  example: 'ENABLE IMAP4rev2',
  async handle({ out, session }, [names]) {
    if (names.some((t) => t.type !== 'atom')) throw new ArgumentError('ENABLE takes extension names, e.g. IMAP4rev2');
    const newly: string[] = [];
    for (const token of names) {
      const name = token.type === 'atom' ? token.value.toUpperCase() : '';
      const spelled = ENABLEABLE.get(name);
      if (!spelled || session.enabled.has(name)) continue;
      session.enabled.add(name);
      newly.push(spelled);
    }
    await out.untagged(['ENABLED', ...newly].join(' '));
    const selected = session.selected;
    if (selected && newly.some((n) => n === 'CONDSTORE' || n === 'QRESYNC') && !selected.reportsModseq) {
      await out.untagged(highestModseqLine(selected));
    }
    if (selected) {
      selected.reportsModseq = condstoreOn(session);
      selected.reportsVanished = qresyncOn(session);
      // RFC 9051 asks for ENABLE before SELECT, but a client that enables IMAP4rev2 later gets it at once.
      selected.reportsRecent = !session.imap4rev2;
    }
    return ok(newly.length > 0 ? `ENABLE completed: ${newly.join(' ')} is on for this session` : `ENABLE completed: nothing new to enable. This server can enable ${[...ENABLEABLE.values()].join(' ')}`);
  },
});
