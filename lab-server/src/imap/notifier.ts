/**
 * One session's NOTIFY watch (RFC 5465): it listens to every folder of the user and to the
 * user's mailbox events, and collects what the client asked to hear about: STATUS for changes
 * in other mailboxes, LIST for mailboxes created, deleted, renamed or (un)subscribed by another
 * session, and whether the selected mailbox changed. The session decides when to send it: at
 * once when no command is running, else after the command.
 */
import type { FolderChange, MaildirFolder } from '../maildir/folder.js';
import { HIERARCHY_SEPARATOR, type Mailbox } from '../maildir/mailbox.js';
import { attributesOf } from './mailboxList.js';
import { mailboxEvents, type MailboxEvent } from './mailboxEvents.js';
import { STATUS_ITEMS, statusValues, type StatusItem } from './mailboxStatus.js';
import { eventsFor, type NotifyEvent, type NotifySpec } from './notify.js';
import { wireName } from './commands/common.js';

export interface NotifierHost {
  readonly mailbox: Mailbox | undefined;
  /** The folder now selected, if any: its message events follow the SELECTED part of the spec. */
  readonly selectedFolder: MaildirFolder | undefined;
  readonly imap4rev2: boolean;
  /** Something is pending: send it when the client may take it. */
  wake(): void;
}

/** HIGHESTMODSEQ goes with flag changes once the server has modification sequences (CONDSTORE). */
const withModseq = (STATUS_ITEMS as readonly string[]).includes('HIGHESTMODSEQ');

/** STATUS items that tell a client about these events (RFC 5465 §3.1 and §5), in STATUS order. */
function itemsFor(events: ReadonlySet<NotifyEvent>, initial: boolean): StatusItem[] {
  const want = new Set<string>();
  if (events.has('MessageNew') || events.has('MessageExpunge')) want.add('MESSAGES');
  if (events.has('MessageNew')) want.add('UIDNEXT');
  if (events.has('MessageNew') && initial) want.add('UIDVALIDITY');
  if (events.has('FlagChange')) {
    if (initial || withModseq) want.add('UIDVALIDITY');
    if (withModseq) want.add('HIGHESTMODSEQ');
    else if (!initial) want.add('UNSEEN');
  }
  return (STATUS_ITEMS as readonly string[]).filter((i) => want.has(i)) as StatusItem[];
}

/**
 * LIST lines kept for a client that is not reading them. Past this the watch ends with
 * NOTIFICATIONOVERFLOW (RFC 5465 §5.8) rather than grow; the client may NOTIFY SET again.
 */
export const MAX_PENDING_LISTS = 1000;

const MESSAGE_CHANGE: Record<FolderChange['type'], NotifyEvent> = { exists: 'MessageNew', expunge: 'MessageExpunge', flags: 'FlagChange' };

export class Notifier {
  private folders = new Map<MaildirFolder, (change: FolderChange) => void>();
  /** Other mailboxes that changed: name -> what happened. */
  private changed = new Map<string, Set<NotifyEvent>>();
  private lists: Array<{ name: string; oldName?: string }> = [];
  private selectedChanged = false;
  /** Too much piled up: the watch has stopped and the client is to be told so. */
  private overflowed = false;
  /** stop() was called: a look at the folders still under way must not listen again. */
  private stopped = false;
  private subscribed = new Set<string>();
  private readonly onMailboxEvent = (event: MailboxEvent, from: object): void => {
    void this.mailboxChanged(event, from !== this.self);
  };

  constructor(
    private readonly host: NotifierHost,
    readonly spec: NotifySpec,
    /** The session, to tell its own mailbox events from others'. */
    private readonly self: object,
  ) {}

  private get mailbox(): Mailbox {
    return this.host.mailbox!;
  }

  /** Starts listening; returns the STATUS lines the STATUS indicator asks for. */
  async start(): Promise<string[]> {
    this.subscribed = new Set(await this.mailbox.subscriptions());
    mailboxEvents(this.mailbox).on('change', this.onMailboxEvent);
    const names = await this.watchFolders();
    if (!this.spec.status) return [];
    const lines: string[] = [];
    for (const name of names) {
      const folder = this.mailbox.folder(name);
      if (folder === this.host.selectedFolder) continue;
      const items = itemsFor(eventsFor(this.spec, name, this.subscribed), true);
      if (items.length > 0) lines.push(`STATUS ${wireName(name, this.host.imap4rev2)} (${await statusValues(folder, items)})`);
    }
    return lines;
  }

  stop(): void {
    this.stopped = true;
    mailboxEvents(this.mailbox).off('change', this.onMailboxEvent);
    for (const [folder, listener] of this.folders) folder.changes.off('change', listener);
    this.folders.clear();
  }

  /** Listens to every folder the user has now; returns their names. */
  private async watchFolders(): Promise<string[]> {
    const names = await this.mailbox.folderNames();
    if (this.stopped) return names;
    const current = new Set(names.map((n) => this.mailbox.folder(n)));
    for (const [folder, listener] of this.folders) {
      if (current.has(folder)) continue;
      folder.changes.off('change', listener);
      this.folders.delete(folder);
    }
    for (const name of names) {
      const folder = this.mailbox.folder(name);
      if (this.folders.has(folder)) continue;
      const listener = (change: FolderChange): void => this.folderChanged(folder, change);
      folder.changes.on('change', listener);
      this.folders.set(folder, listener);
    }
    return names;
  }

  private folderChanged(folder: MaildirFolder, change: FolderChange): void {
    const event = MESSAGE_CHANGE[change.type];
    if (folder === this.host.selectedFolder) {
      if (!this.spec.selected?.events.has(event)) return;
      this.selectedChanged = true;
    } else {
      if (!eventsFor(this.spec, folder.name, this.subscribed).has(event)) return;
      const events = this.changed.get(folder.name) ?? new Set();
      events.add(event);
      this.changed.set(folder.name, events);
    }
    this.host.wake();
  }

  private async mailboxChanged(event: MailboxEvent, byOthers: boolean): Promise<void> {
    if (event.type === 'subscription') this.subscribed = new Set(await this.mailbox.subscriptions());
    else await this.watchFolders();
    if (!byOthers || this.stopped) return;
    const wants = (name: string, what: NotifyEvent): boolean => eventsFor(this.spec, name, this.subscribed).has(what);
    if (event.type === 'subscription') {
      if (wants(event.name, 'SubscriptionChange')) this.lists.push({ name: event.name });
    } else if (event.type === 'renamed') {
      if (wants(event.to, 'MailboxName') || wants(event.from, 'MailboxName')) this.lists.push({ name: event.to, oldName: event.from });
    } else {
      // The mailbox and its direct parent are affected (RFC 5465 §5.4).
      const parent = event.name.includes(HIERARCHY_SEPARATOR) ? event.name.slice(0, event.name.lastIndexOf(HIERARCHY_SEPARATOR)) : undefined;
      for (const name of parent ? [event.name, parent] : [event.name]) if (wants(name, 'MailboxName')) this.lists.push({ name });
    }
    if (this.lists.length > MAX_PENDING_LISTS) this.overflow();
    if (this.lists.length > 0 || this.overflowed) this.host.wake();
  }

  private overflow(): void {
    this.stop();
    this.overflowed = true;
    this.lists = [];
    this.changed.clear();
    this.selectedChanged = false;
  }

  /** True once the watch has ended by overflow; the session then drops it. */
  get ended(): boolean {
    return this.overflowed;
  }

  /** Whether the selected mailbox had an event the client wants at once; clears it. */
  takeSelectedChange(): boolean {
    const changed = this.selectedChanged;
    this.selectedChanged = false;
    return changed;
  }

  /** STATUS and LIST lines for what happened elsewhere since the last call. */
  async takeLines(): Promise<string[]> {
    if (this.overflowed) return ['OK [NOTIFICATIONOVERFLOW] Too many events waited to be read, so NOTIFY is now off. Send NOTIFY SET again, then STATUS the mailboxes you care about'];
    const lines: string[] = [];
    const utf8 = this.host.imap4rev2;
    for (const { name, oldName } of this.lists.splice(0)) {
      const attributes = (await attributesOf(this.mailbox, name)).join(' ');
      const old = oldName === undefined ? '' : ` ("OLDNAME" (${wireName(oldName, utf8)}))`;
      lines.push(`LIST (${attributes}) "${HIERARCHY_SEPARATOR}" ${wireName(name, utf8)}${old}`);
    }
    const changed = [...this.changed];
    this.changed.clear();
    for (const [name, events] of changed) {
      const folder = this.mailbox.folder(name);
      if (folder === this.host.selectedFolder || !(await folder.exists())) continue;
      lines.push(`STATUS ${wireName(name, utf8)} (${await statusValues(folder, itemsFor(events, false))})`);
    }
    return lines;
  }
}
