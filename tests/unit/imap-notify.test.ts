/**
 * NOTIFY's grammar (RFC 5465 §8) and which mailboxes each filter covers.
 */
import { describe, expect, it } from 'vitest';
import { eventsFor, parseNotifySet, UnsupportedEvents } from '../../lab-server/src/imap/notify.js';
import { parseCommand } from '../../lab-server/src/imap/parser.js';
import { ArgumentError } from '../../lab-server/src/imap/schema.js';

const set = (text: string, utf8Names = false) => parseNotifySet(parseCommand([{ kind: 'line', bytes: Buffer.from(`a NOTIFY SET ${text}`) }]).args.slice(1), { utf8Names });

describe('NOTIFY SET', () => {
  it('reads the STATUS indicator, the selected mailbox with FETCH items, and other filters', () => {
    const spec = set('STATUS (selected (MessageNew (UID FLAGS) messageexpunge)) (subtree (Lists &ZeVnLIqe-) (MessageNew MessageExpunge)) (mailboxes INBOX NONE) (subscribed (SubscriptionChange))');
    expect(spec.status).toBe(true);
    expect(spec.selected).toMatchObject({ delayed: false, events: new Set(['MessageNew', 'MessageExpunge']) });
    expect(spec.selected!.fetch).toHaveLength(2);
    expect(spec.groups.map((g) => g.filter)).toEqual([{ kind: 'subtree', names: ['Lists', '日本語'] }, { kind: 'mailboxes', names: ['INBOX'] }, { kind: 'subscribed' }]);
    expect(spec.groups[1]!.events.size).toBe(0);
    expect(set('(mailboxes "Café" (MessageNew))', true).groups[0]!.filter).toEqual({ kind: 'mailboxes', names: ['Café'] });
  });

  it('says which events apply to which mailbox', () => {
    const spec = set('(inboxes (MessageNew)) (subtree Lists (FlagChange)) (subscribed (MailboxName)) (personal (SubscriptionChange))');
    const subscribed = new Set(['Sent']);
    expect([...eventsFor(spec, 'INBOX', subscribed)]).toEqual(['MessageNew', 'SubscriptionChange']);
    expect([...eventsFor(spec, 'Lists.imap', subscribed)]).toEqual(['FlagChange', 'SubscriptionChange']);
    expect([...eventsFor(spec, 'Listserv', subscribed)]).toEqual(['SubscriptionChange']);
    expect([...eventsFor(spec, 'Sent', subscribed)]).toEqual(['MailboxName', 'SubscriptionChange']);
  });

  it('refuses what the grammar does not allow with BAD, and events it cannot report apart', () => {
    for (const text of ['', '(selected)', '(personal MessageNew)', '(elsewhere (MessageNew))', '(personal (MessageNew (UID)))', '(mailboxes (MessageNew))']) {
      expect(() => set(text), text).toThrow(ArgumentError);
    }
    expect(() => set('(personal (MessageNew ServerMetadataChange XFancy))')).toThrow(UnsupportedEvents);
    const refusal = (() => {
      try {
        set('(personal (ServerMetadataChange XFancy))');
      } catch (err) {
        return err;
      }
    })();
    expect(refusal).toBeInstanceOf(UnsupportedEvents);
    expect((refusal as UnsupportedEvents).events).toEqual(['ServerMetadataChange', 'XFANCY']);
  });
});
