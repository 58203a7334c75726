/**
 * Changes to a user's list of mailboxes and subscriptions, announced to that user's other IMAP
 * sessions: what NOTIFY's MailboxName and SubscriptionChange events report (RFC 5465 §5.4-5.5).
 * Message changes inside a folder have their own events (MaildirFolder.changes).
 */
import { EventEmitter } from 'node:events';
import type { Mailbox } from '../maildir/mailbox.js';

export type MailboxEvent =
  | { type: 'created' | 'deleted'; name: string }
  | { type: 'renamed'; from: string; to: string }
  | { type: 'subscription'; name: string };

const emitters = new WeakMap<Mailbox, EventEmitter>();

/** The emitter of one user's mailbox events (shared by all their sessions in a sandbox). */
export function mailboxEvents(mailbox: Mailbox): EventEmitter {
  let emitter = emitters.get(mailbox);
  if (!emitter) {
    emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    emitters.set(mailbox, emitter);
  }
  return emitter;
}

/** Announces a change; `from` is the session that made it, which is not told (RFC 5465 §5). */
export function announce(mailbox: Mailbox, event: MailboxEvent, from: object): void {
  mailboxEvents(mailbox).emit('change', event, from);
}
