/**
 * Finds the message a learner wants to inspect in their own sandbox, through the Maildir store
 * the servers use: by user, folder and UID (the Maildir view), or by the queue id the SMTP
 * server answered with ("250 2.0.0 Ok: queued as 3F2A1B0C7D", which every delivery writes into
 * its Received: line), or by Message-ID (what a terminal shows after RETR or FETCH).
 */
import type { MaildirFolder, MessageInfo } from '../maildir/folder.js';
import { canonicalInbox } from '../maildir/mailbox.js';
import { mailboxOf } from '../maildir/sandboxMaildirs.js';
import type { Sandbox } from '../world/sandbox.js';

export interface MessageAddress {
  user?: string;
  folder?: string;
  uid?: number;
  queueId?: string;
  messageId?: string;
}

export interface LocatedMessage {
  address: string;
  folderName: string;
  folder: MaildirFolder;
  info: MessageInfo;
  /** The Maildir's directory (for the "on disk" view). */
  mailboxDir: string;
}

/** How many newest messages per folder a search by queue id or Message-ID reads (headers only). */
const SEARCH_DEPTH = 500;
/** Enough of a message to hold its header. */
const HEAD_BYTES = 64 * 1024;

/** The user an address or a bare name ("bob") means, if it is unique in the sandbox. */
function userOf(sandbox: Sandbox, name: string) {
  const lower = name.toLowerCase();
  if (lower.includes('@')) return sandbox.userByAddress(lower);
  const matches = sandbox.definition.users.filter((u) => u.address.split('@')[0] === lower);
  return matches.length === 1 ? matches[0] : undefined;
}

export async function locateMessage(sandbox: Sandbox, want: MessageAddress): Promise<LocatedMessage | undefined> {
  const users = want.user ? [userOf(sandbox, want.user)].filter((u) => u !== undefined) : sandbox.definition.users;
  for (const user of users) {
    const mailbox = mailboxOf(sandbox, user);
    // Only folders on disk: the mailbox keeps an object for every name it is asked for, and a
    // request naming a new folder each time would otherwise grow it without end.
    const onDisk = await mailbox.folderNames();
    const names = want.folder ? onDisk.filter((name) => name === canonicalInbox(want.folder!)) : onDisk;
    for (const folderName of names) {
      let folder: MaildirFolder;
      let infos: readonly MessageInfo[];
      try {
        folder = mailbox.folder(folderName);
        infos = await folder.sync();
      } catch {
        continue;
      }
      const found = want.uid !== undefined ? folder.get(want.uid) : await search(folder, infos, want);
      if (found) return { address: user.address, folderName: folder.name, folder, info: found, mailboxDir: mailbox.dir };
    }
  }
  return undefined;
}

/** Newest first: the message just sent is found after reading one header. */
async function search(folder: MaildirFolder, infos: readonly MessageInfo[], want: MessageAddress): Promise<MessageInfo | undefined> {
  const idLine = want.queueId ? new RegExp(`^Received:[^\\n]*(?:\\n[ \\t][^\\n]*)*\\bid ${want.queueId}\\b`, 'im') : undefined;
  const messageId = want.messageId?.replace(/^<|>$/g, '').toLowerCase();
  if (!idLine && !messageId) return undefined;
  for (const info of [...infos].reverse().slice(0, SEARCH_DEPTH)) {
    // Only the start of each file: read whole, a search through a mailbox of 10 MB messages
    // held them all, and a few hundred such requests at once took gigabytes.
    const head = await folder.readStart(info.uid, HEAD_BYTES, (start) => {
      const end = start.indexOf('\n\n');
      return start.subarray(0, end < 0 ? start.length : end).toString('latin1');
    });
    if (head === undefined) continue;
    if (idLine?.test(head)) return info;
    const m = /^Message-ID:\s*<?([^>\s]+)>?/im.exec(head);
    if (messageId && m && m[1]!.toLowerCase() === messageId) return info;
  }
  return undefined;
}
