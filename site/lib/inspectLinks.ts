/**
 * Links into the message inspector (/inspect/), from wherever a message shows up: the Maildir
 * view (user, folder, UID), the mail world's message list and a terminal after "250 ... queued
 * as ID" (the queue id), or a terminal after RETR or FETCH (the Message-ID it printed).
 */
import { localePath, type Lang } from '../i18n/ui';

export type MessageRef = { user: string; folder: string; uid: number } | { queue: string; user?: string } | { messageId: string; user?: string };

export function inspectHref(lang: Lang, ref: MessageRef): string {
  const params = new URLSearchParams(Object.entries(ref).map(([k, v]) => [k, String(v)]));
  return `${localePath(lang, '/inspect/')}?${params}`;
}
