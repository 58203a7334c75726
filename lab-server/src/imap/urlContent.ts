/**
 * What an IMAP URL names in a user's mailboxes: the message and the section's octets, as
 * BODY[section]<partial> would give them. CATENATE splices these into a new message; URLFETCH
 * hands them out. Anything that does not resolve (no such mailbox, UIDVALIDITY changed, no such
 * message or part) is undefined: the caller answers BADURL or NIL.
 */
import { InvalidFolderName, type Mailbox } from '../maildir/mailbox.js';
import type { ImapUrl } from './imapUrl.js';
import { messageView, type MessageView } from './mime/cache.js';
import { parseSection, sectionBytes, type Section } from './mime/sections.js';
import { ImapSyntaxError, parseCommand } from './parser.js';
import { cut } from './partial.js';
import { ArgumentError } from './schema.js';
import { accessAllows, tokenValid, URLAUTH_MECHANISM } from './urlauth.js';
import type { WorldUser } from '../world/definition.js';

export interface UrlTarget {
  view: MessageView;
  section: Section;
  /** The octets the URL names (partial applied). */
  data: Buffer;
}

/** A URL's ;SECTION= as an IMAP section, read by the same grammar as BODY[...]. */
function sectionOf(text: string | undefined): Section | undefined {
  if (text === undefined || text === '') return { path: [], kind: '', fields: [], label: '' };
  try {
    const [item] = parseCommand([{ kind: 'line', bytes: Buffer.from(`u URL BODY[${text}]`, 'utf8') }]).args;
    return item?.type === 'atom' && item.section ? parseSection(item.section) : undefined;
  } catch (err) {
    if (err instanceof ImapSyntaxError || err instanceof ArgumentError) return undefined;
    throw err;
  }
}

export async function resolveUrl(mailbox: Mailbox, url: ImapUrl): Promise<UrlTarget | undefined> {
  const section = sectionOf(url.section);
  if (!section) return undefined;
  let folder;
  try {
    folder = mailbox.folder(url.mailbox);
  } catch (err) {
    if (err instanceof InvalidFolderName) return undefined;
    throw err;
  }
  if (!(await folder.exists())) return undefined;
  await folder.sync();
  if (url.uidValidity !== undefined && url.uidValidity !== folder.uidValidity) return undefined;
  const info = folder.get(url.uid);
  const view = info && (await messageView(folder, info));
  if (!view) return undefined;
  const data = sectionBytes(view.wire, view.table, section);
  return data && { view, section, data: cut(data, url.partial) };
}

export interface UrlSession {
  user: WorldUser | undefined;
  mailbox: Mailbox | undefined;
  /** A user of this sandbox by login ("alice" or "alice@example.com"). */
  userMailbox(login: string): { user: WorldUser; mailbox: Mailbox } | undefined;
}

/** The owner a URL's imap://user@host names: user@host when the user part has no domain. */
export function ownerOf(session: UrlSession, url: ImapUrl): { user: WorldUser; mailbox: Mailbox } | undefined {
  if (url.user === undefined) return undefined;
  return (!url.user.includes('@') && url.host ? session.userMailbox(`${url.user}@${url.host}`) : undefined) ?? session.userMailbox(url.user);
}

/**
 * Whose mailboxes a URL may be read from by this session: a relative URL or one naming the
 * session's own user reads its own; one with a valid URLAUTH reads its owner's (RFC 4467 §6).
 */
export async function authorizedMailbox(session: UrlSession, url: ImapUrl, now = new Date()): Promise<Mailbox | undefined> {
  if (url.user === undefined) return url.urlauth ? undefined : session.mailbox;
  const owner = ownerOf(session, url);
  if (!owner) return undefined;
  const auth = url.urlauth;
  if (!auth) return owner.user === session.user ? session.mailbox : undefined;
  if (!auth.token || auth.mechanism?.toUpperCase() !== URLAUTH_MECHANISM) return undefined;
  if (url.expire && url.expire.getTime() < now.getTime()) return undefined;
  if (!accessAllows(auth.access, session.user)) return undefined;
  return (await tokenValid(owner.mailbox, url.mailbox, auth.rump, auth.token)) ? owner.mailbox : undefined;
}
