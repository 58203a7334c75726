/**
 * NOTIFY (RFC 5465): which events a client wants to hear about, and for which mailboxes, read
 * from "NOTIFY SET [STATUS] (filter events) ...". The selected mailbox takes message events
 * (new, expunged, flags); other mailboxes may also take MailboxName and SubscriptionChange.
 */
import { HIERARCHY_SEPARATOR } from '../maildir/mailbox.js';
import type { Token } from './parser.js';
import { ArgumentError, decodeMailbox, describe, textOf, type ParseContext } from './schema.js';

export const MESSAGE_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange'] as const;
export const MAILBOX_EVENTS = ['MailboxName', 'SubscriptionChange'] as const;
/** Events the RFC defines that this server has nothing to report for (no annotations, no metadata). */
const UNSUPPORTED_EVENTS = ['AnnotationChange', 'MailboxMetadataChange', 'ServerMetadataChange'];

export type NotifyEvent = (typeof MESSAGE_EVENTS)[number] | (typeof MAILBOX_EVENTS)[number];

export type MailboxFilter =
  | { kind: 'inboxes' | 'personal' | 'subscribed' }
  /** Those mailboxes and everything below them. */
  | { kind: 'subtree'; names: string[] }
  | { kind: 'mailboxes'; names: string[] };

export interface NotifySpec {
  /** Send STATUS for each watched mailbox now (the STATUS indicator). */
  status: boolean;
  /** Events for the selected mailbox; undefined leaves it as without NOTIFY. */
  selected?: { delayed: boolean; events: Set<NotifyEvent>; fetch?: Token[] };
  groups: Array<{ filter: MailboxFilter; events: Set<NotifyEvent> }>;
}

/** A NOTIFY asks for an event this server does not produce: NO [BADEVENT ...], not BAD. */
export class UnsupportedEvents extends Error {
  constructor(readonly events: string[]) {
    super(`This server cannot report ${events.join(', ')}`);
  }
}

const EVENT_NAMES = new Map<string, NotifyEvent>([...MESSAGE_EVENTS, ...MAILBOX_EVENTS].map((e) => [e.toUpperCase(), e]));

export function supportedEvents(): string[] {
  return [...MESSAGE_EVENTS, ...MAILBOX_EVENTS];
}

const atomOf = (t: Token | undefined): string => (t?.type === 'atom' && !t.section ? t.value.toUpperCase() : '');

function readEvents(token: Token | undefined, selected: boolean, unsupported: Set<string>): { events: Set<NotifyEvent>; fetch?: Token[] } {
  if (atomOf(token) === 'NONE') return { events: new Set() };
  if (token?.type !== 'list' || token.items.length === 0) throw new ArgumentError('Each NOTIFY group ends with its events in parentheses, e.g. (MessageNew MessageExpunge), or NONE');
  const events = new Set<NotifyEvent>();
  let fetch: Token[] | undefined;
  for (let i = 0; i < token.items.length; i++) {
    const word = atomOf(token.items[i]);
    const event = EVENT_NAMES.get(word);
    if (!event) {
      if (!word) throw new ArgumentError(`"${describe(token.items[i]!)}" is not an event name`);
      unsupported.add(UNSUPPORTED_EVENTS.find((e) => e.toUpperCase() === word) ?? word);
      continue;
    }
    if (selected && !(MESSAGE_EVENTS as readonly string[]).includes(event)) throw new ArgumentError(`${event} is not a message event, so it cannot be asked of the selected mailbox`);
    events.add(event);
    if (event === 'MessageNew' && token.items[i + 1]?.type === 'list') {
      if (!selected) throw new ArgumentError('Only the selected mailbox can have MessageNew send FETCH data');
      fetch = (token.items[++i] as Extract<Token, { type: 'list' }>).items;
    }
  }
  return { events, fetch };
}

function readNames(token: Token | undefined, context: ParseContext): string[] {
  if (!token) throw new ArgumentError('SUBTREE and MAILBOXES are followed by a mailbox name or a list of them');
  const items = token.type === 'list' ? token.items : [token];
  return items.map((t) => decodeMailbox(textOf(t, 'mailbox name'), context));
}

/** Reads what follows NOTIFY SET. */
export function parseNotifySet(tokens: readonly Token[], context: ParseContext): NotifySpec {
  let i = 0;
  const spec: NotifySpec = { status: false, groups: [] };
  if (atomOf(tokens[0]) === 'STATUS') {
    spec.status = true;
    i++;
  }
  if (i >= tokens.length) throw new ArgumentError('NOTIFY SET needs at least one group, e.g. (SELECTED (MessageNew MessageExpunge))');
  const unsupported = new Set<string>();
  for (; i < tokens.length; i++) {
    const group = tokens[i]!;
    if (group.type !== 'list' || group.items.length < 2) throw new ArgumentError('Each NOTIFY group is (mailboxes events), e.g. (PERSONAL (MessageNew MessageExpunge))');
    const filter = atomOf(group.items[0]);
    if (filter === 'SELECTED' || filter === 'SELECTED-DELAYED') {
      if (spec.selected) throw new ArgumentError('Name SELECTED or SELECTED-DELAYED only once');
      if (group.items.length !== 2) throw new ArgumentError(`${filter} is followed only by its events`);
      spec.selected = { delayed: filter === 'SELECTED-DELAYED', ...readEvents(group.items[1], true, unsupported) };
    } else if (filter === 'INBOXES' || filter === 'PERSONAL' || filter === 'SUBSCRIBED') {
      if (group.items.length !== 2) throw new ArgumentError(`${filter} is followed only by its events`);
      spec.groups.push({ filter: { kind: filter.toLowerCase() as 'inboxes' | 'personal' | 'subscribed' }, events: readEvents(group.items[1], false, unsupported).events });
    } else if (filter === 'SUBTREE' || filter === 'MAILBOXES') {
      if (group.items.length !== 3) throw new ArgumentError(`${filter} is followed by mailbox names, then the events`);
      const names = readNames(group.items[1], context);
      spec.groups.push({ filter: { kind: filter.toLowerCase() as 'subtree' | 'mailboxes', names }, events: readEvents(group.items[2], false, unsupported).events });
    } else {
      throw new ArgumentError('A NOTIFY group starts with SELECTED, SELECTED-DELAYED, INBOXES, PERSONAL, SUBSCRIBED, SUBTREE or MAILBOXES');
    }
  }
  if (unsupported.size > 0) throw new UnsupportedEvents([...unsupported]);
  return spec;
}

/** The events the groups ask for on one mailbox (not the selected one). */
export function eventsFor(spec: NotifySpec, name: string, subscribed: ReadonlySet<string>): Set<NotifyEvent> {
  const events = new Set<NotifyEvent>();
  for (const { filter, events: wanted } of spec.groups) {
    const applies =
      filter.kind === 'personal' ||
      (filter.kind === 'inboxes' && name === 'INBOX') ||
      (filter.kind === 'subscribed' && subscribed.has(name)) ||
      (filter.kind === 'mailboxes' && filter.names.includes(name)) ||
      (filter.kind === 'subtree' && filter.names.some((n) => name === n || name.startsWith(n + HIERARCHY_SEPARATOR)));
    if (applies) for (const e of wanted) events.add(e);
  }
  return events;
}
