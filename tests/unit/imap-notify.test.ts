/**
 * NOTIFY's grammar (RFC 5465 §8), which mailboxes each filter covers, and a watch over a real
 * Maildir that ends with NOTIFICATIONOVERFLOW rather than pile up events nobody reads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import { announce } from '../../lab-server/src/imap/mailboxEvents.js';
import { MAX_PENDING_LISTS, Notifier } from '../../lab-server/src/imap/notifier.js';
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

describe('a NOTIFY watch nobody reads', () => {
  it('stops with NOTIFICATIONOVERFLOW once too many mailbox events wait, and then listens no more', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maillab-notify-'));
    try {
      const mailbox = new Mailbox('alice@example.com', join(dir, 'alice'));
      await mailbox.create();
      let wakes = 0;
      const host = { mailbox, selectedFolder: undefined, imap4rev2: false, wake: () => void wakes++ };
      const watch = new Notifier(host, set('(personal (MailboxName))'), host);
      await watch.start();
      const otherSession = {};
      announce(mailbox, { type: 'created', name: 'First' }, otherSession);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(wakes).toBeGreaterThan(0);
      expect(await watch.takeLines()).toEqual(['LIST (\\NonExistent) "." First']);
      for (let i = 0; i <= MAX_PENDING_LISTS; i++) announce(mailbox, { type: 'deleted', name: `Gone${i}` }, otherSession);
      await expect.poll(() => watch.ended, { timeout: 10_000 }).toBe(true);
      expect(await watch.takeLines()).toEqual([expect.stringMatching(/^OK \[NOTIFICATIONOVERFLOW\] .*NOTIFY SET again/)]);
      const before = wakes;
      announce(mailbox, { type: 'created', name: 'Later' }, otherSession);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(wakes).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
