/**
 * What STATUS reports about a mailbox (RFC 3501 §6.3.10, SIZE of RFC 8438, DELETED of RFC 9051,
 * HIGHESTMODSEQ of RFC 7162),
 * shared by STATUS, LIST ... RETURN (STATUS ...) (RFC 5819) and NOTIFY's status events.
 */
import type { MaildirFolder } from '../maildir/folder.js';
import { hasFlag } from './flags.js';
import type { Token } from './parser.js';
import { ArgumentError } from './schema.js';

export const STATUS_ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'HIGHESTMODSEQ'] as const;
export type StatusItem = (typeof STATUS_ITEMS)[number];

/** Reads "(MESSAGES UNSEEN)"; each item once, in the order given. */
export function parseStatusItems(items: readonly Token[]): StatusItem[] {
  const wanted: StatusItem[] = [];
  for (const t of items) {
    const item = t.type === 'atom' && !t.section ? t.value.toUpperCase() : '';
    if (!(STATUS_ITEMS as readonly string[]).includes(item)) throw new ArgumentError(`Unknown status item. Items are ${STATUS_ITEMS.join(', ')}`);
    if (!wanted.includes(item as StatusItem)) wanted.push(item as StatusItem);
  }
  if (wanted.length === 0) throw new ArgumentError(`Name at least one status item: ${STATUS_ITEMS.join(', ')}`);
  return wanted;
}

/** The values of the items for a folder, as "MESSAGES 3 UNSEEN 1". */
export async function statusValues(folder: MaildirFolder, items: readonly StatusItem[]): Promise<string> {
  const messages = await folder.sync();
  const value = (item: StatusItem): number => {
    switch (item) {
      case 'MESSAGES':
        return messages.length;
      case 'RECENT':
        return folder.recentCount;
      case 'UIDNEXT':
        return folder.nextUid;
      case 'UIDVALIDITY':
        return folder.uidValidity;
      case 'UNSEEN':
        return messages.filter((m) => !hasFlag(m.flags, '\\Seen')).length;
      case 'DELETED':
        return messages.filter((m) => hasFlag(m.flags, '\\Deleted')).length;
      case 'SIZE':
        return messages.reduce((sum, m) => sum + m.wireSize, 0);
      case 'HIGHESTMODSEQ':
        return folder.highestModseq;
    }
  };
  return items.map((item) => `${item} ${value(item)}`).join(' ');
}
