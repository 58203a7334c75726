/**
 * URLAUTH (RFC 4467): a user lends access to one message or part with a URL that carries its
 * own authorization, ";URLAUTH=<access>:INTERNAL:<token>". The token is an HMAC of the URL
 * with a random key the user holds per mailbox; RESETKEY replaces the keys, which revokes every
 * URL made with them. The keys live in a small file in the user's Maildir, so URLs outlive a
 * restart, as a Dovecot user's do. A token also covers the mailbox's UIDVALIDITY, which no
 * other mailbox of the user ever gets (maildir/uidValidity.ts): a mailbox deleted or renamed
 * away and another made under its name takes none of the old one's URLs, as Dovecot's keys,
 * kept with the mailbox itself (by its GUID), are not inherited by a new mailbox either.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalInbox, InvalidFolderName, MAX_FOLDERS, URLAUTH_KEYS_FILE, type Mailbox } from '../maildir/mailbox.js';
import type { WorldUser } from '../world/definition.js';

/** The one mechanism offered: the server's own HMAC-SHA256, keys never leave the server. */
export const URLAUTH_MECHANISM = 'INTERNAL';

const queues = new WeakMap<Mailbox, Promise<unknown>>();

/**
 * The key table: mailbox name -> hex key, as own entries only (a mailbox may be called
 * "constructor" or "__proto__"), under one name per mailbox (INBOX in any case is INBOX).
 */
async function readKeys(mailbox: Mailbox): Promise<Map<string, string>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(mailbox.dir, URLAUTH_KEYS_FILE), 'utf8'));
    if (!parsed || typeof parsed !== 'object') return new Map();
    return new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return new Map();
    throw err;
  }
}

/** The name a mailbox's key is kept under: what RESETKEY INBOX resets must be what "/inbox/" was lent with. */
const keyName = canonicalInbox;

/** Changes the key table, one change at a time per user, written whole and renamed into place. */
function updateKeys<T>(mailbox: Mailbox, change: (keys: Map<string, string>) => T): Promise<T> {
  const work = async (): Promise<T> => {
    const keys = await readKeys(mailbox);
    const result = change(keys);
    const target = join(mailbox.dir, URLAUTH_KEYS_FILE);
    const temp = `${target}.${process.pid}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(Object.fromEntries(keys)));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    return result;
  };
  const run = (queues.get(mailbox) ?? Promise.resolve()).then(work, work);
  queues.set(mailbox, run.catch(() => undefined));
  return run;
}

/**
 * The key of a mailbox, made (128 random bits) the first time it is needed. A table with as many
 * keys as a user may have folders first drops the keys of mailboxes no longer on disk: CREATE,
 * GENURLAUTH and DELETE over and over under new names would otherwise grow it (and its rewrite
 * at every change) without end.
 */
async function mailboxKey(mailbox: Mailbox, name: string): Promise<string> {
  const known = await readKeys(mailbox);
  const existing = known.get(keyName(name));
  if (existing) return existing;
  const onDisk = known.size >= MAX_FOLDERS ? new Set((await mailbox.folderNames()).map(keyName)) : undefined;
  return updateKeys(mailbox, (keys) => {
    if (onDisk) for (const held of keys.keys()) if (!onDisk.has(held)) keys.delete(held);
    const key = keys.get(keyName(name)) ?? randomBytes(16).toString('hex');
    keys.set(keyName(name), key);
    return key;
  });
}

/** RESETKEY: a new key for one mailbox, or no keys at all. */
export function resetKeys(mailbox: Mailbox, name?: string): Promise<void> {
  return updateKeys(mailbox, (keys) => {
    if (name === undefined) keys.clear();
    else keys.set(keyName(name), randomBytes(16).toString('hex'));
  });
}

export function urlauthToken(key: string, uidValidity: number, rump: string): string {
  return createHmac('sha256', Buffer.from(key, 'hex')).update(`${uidValidity} `).update(rump, 'latin1').digest('hex');
}

/** The UIDVALIDITY of a mailbox on disk; undefined when there is no such mailbox. */
async function uidValidityOf(mailbox: Mailbox, name: string): Promise<number | undefined> {
  let folder;
  try {
    folder = mailbox.folder(name);
  } catch (err) {
    if (err instanceof InvalidFolderName) return undefined;
    throw err;
  }
  if (!(await folder.exists())) return undefined;
  await folder.sync();
  return folder.uidValidity;
}

/** GENURLAUTH: the token for a rump URL of one of the user's mailboxes; undefined when it does not exist. */
export async function lendToken(mailbox: Mailbox, name: string, rump: string): Promise<string | undefined> {
  const uidValidity = await uidValidityOf(mailbox, name);
  return uidValidity === undefined ? undefined : urlauthToken(await mailboxKey(mailbox, name), uidValidity, rump);
}

/** Does a token belong to the rump URL under this mailbox's current key and UIDVALIDITY? */
export async function tokenValid(mailbox: Mailbox, name: string, rump: string, token: string): Promise<boolean> {
  const key = (await readKeys(mailbox)).get(keyName(name));
  const uidValidity = await uidValidityOf(mailbox, name);
  // Without a key, compare against a random one all the same: no timing tells which mailboxes exist.
  const wanted = Buffer.from(urlauthToken(key ?? randomBytes(16).toString('hex'), uidValidity ?? 0, rump), 'hex');
  const given = Buffer.from(token.toLowerCase(), 'hex');
  return key !== undefined && uidValidity !== undefined && given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The access identifiers a URL may name (RFC 4467 §3). */
export function validAccess(access: string): boolean {
  return /^(anonymous|authuser|(user|submit)\+.+)$/i.test(access) && decodedAccess(access) !== undefined;
}

/** The access identifier %-decoded; undefined when an escape is broken ("user+%ZZ"). */
function decodedAccess(access: string): string | undefined {
  try {
    return decodeURIComponent(access);
  } catch {
    return undefined;
  }
}

/**
 * May this session use a URL with this access identifier? "submit+" is for a submission
 * server acting for a user; the lab's IMAP users are not one, so those URLs answer NIL here.
 */
export function accessAllows(access: string, user: WorldUser | undefined): boolean {
  const lower = decodedAccess(access)?.toLowerCase();
  if (lower === undefined) return false;
  if (lower === 'anonymous') return true;
  if (lower === 'authuser') return user !== undefined;
  // user+alice@example.com, or user+alice where the local part names the user.
  if (lower.startsWith('user+')) return user !== undefined && [user.address, user.address.split('@')[0]].includes(lower.slice(5));
  return false;
}
