/**
 * Helpers the command modules share: turning a mailbox name into a Maildir folder through the
 * store's API (which refuses names that could leave the user's Maildir), and wire forms.
 */
import type { MaildirFolder } from '../../maildir/folder.js';
import { InvalidFolderName, MAX_FOLDERS } from '../../maildir/mailbox.js';
import type { SessionApi } from '../command.js';
import { encodeMutf7 } from '../mutf7.js';
import { astringBytes, CommandFailed, no } from '../response.js';

/** The folder for a name; an invalid name ends the command with NO [CANNOT]. */
export function folderOf(session: SessionApi, name: string): MaildirFolder {
  try {
    return session.mailbox!.folder(name);
  } catch (err) {
    if (err instanceof InvalidFolderName) {
      throw new CommandFailed(no(`${err.message}. Mailbox names use "." between levels, e.g. Archive.2024`, 'CANNOT'));
    }
    throw err;
  }
}

/**
 * A folder that must exist. For COPY, MOVE and APPEND a missing target gets [TRYCREATE],
 * which tells a client it may CREATE the mailbox and try again.
 */
export async function existingFolder(session: SessionApi, name: string, tag: string, missingCode: 'NONEXISTENT' | 'TRYCREATE' = 'NONEXISTENT'): Promise<MaildirFolder> {
  const folder = folderOf(session, name);
  if (!(await folder.exists())) {
    const hint = missingCode === 'TRYCREATE' ? `Create it first: ${tag} CREATE ${wireName(name)}` : `See your mailboxes with: ${tag} LIST "" "*"`;
    throw new CommandFailed(no(`Mailbox "${shown(name)}" does not exist. ${hint}`, missingCode));
  }
  return folder;
}

/** A mailbox name inside status text, which is ASCII: as the client would type it (modified UTF-7). */
export function shown(name: string): string {
  return encodeMutf7(name);
}

/** NO [LIMIT] text when a user has MAX_FOLDERS folders already (Dovecot: "Maximum number of mailboxes reached"). */
export function tooManyFolders(name: string): string {
  return `Maximum number of mailboxes reached (${MAX_FOLDERS}): "${shown(name)}" was not created. DELETE mailboxes you do not need, then try again`;
}

/** A mailbox name as sent to the client: modified UTF-7, or UTF-8 in IMAP4rev2; quoted if needed. */
export function wireName(name: string, utf8 = false): string {
  return (utf8 ? astringBytes(name, true) : astringBytes(encodeMutf7(name))).toString('latin1');
}
