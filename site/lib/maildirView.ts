/**
 * What GET /api/maildir returns, and the small logic of the live Maildir view: which files are
 * new since the last look, and what each Maildir flag letter means.
 */
import type { Lang } from '../i18n/ui';

export interface FileView {
  name: string;
  uid?: number;
  flags: string;
  size: number;
}
export interface FolderView {
  name: string;
  dir: string;
  /** The folder's IMAP keywords by their letter in file names (from dovecot-keywords): { a: '$Junk' }. */
  keywords?: Record<string, string>;
  new: FileView[];
  cur: FileView[];
  tmp: FileView[];
}
export interface MailboxView {
  address: string;
  path: string;
  folders: FolderView[];
}
export interface SandboxView {
  sandbox: string;
  users: MailboxView[];
  /** The sandbox's disk usage and quota (mail, queue, transcripts, logs). */
  usage?: { bytes: number; messages: number; limits: { bytes: number; messages: number } };
}

/** "1.2 MB of 64 MB" for the quota line. */
export function sizeText(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The Maildir info flags (the letters after ":2,"), in the order the spec sorts them; a–z are the folder's keywords. */
export const FLAG_NAMES: Record<string, Record<Lang, string>> = {
  D: { 'zh-CN': '草稿', en: 'draft' },
  F: { 'zh-CN': '已标记', en: 'flagged' },
  P: { 'zh-CN': '已转发', en: 'passed' },
  R: { 'zh-CN': '已回复', en: 'replied' },
  S: { 'zh-CN': '已读', en: 'seen' },
  T: { 'zh-CN': '已删除', en: 'trashed' },
};

/** Every file as "address/dir/sub/name": a rename (new → cur, a flag change) is a new key. */
export function fileKeys(view: SandboxView): Set<string> {
  const keys = new Set<string>();
  for (const user of view.users) {
    for (const folder of user.folders) {
      for (const sub of ['new', 'cur', 'tmp'] as const) {
        for (const file of folder[sub]) keys.add(`${user.address}/${folder.dir}/${sub}/${file.name}`);
      }
    }
  }
  return keys;
}

/** The keys of the new view and those not in the previous one (none on the first look). */
export function diffFiles(previous: Set<string> | undefined, next: SandboxView): { keys: Set<string>; added: string[] } {
  const keys = fileKeys(next);
  if (!previous) return { keys, added: [] };
  return { keys, added: [...keys].filter((k) => !previous.has(k)) };
}

/**
 * The accounts, their welcome messages and folders a fresh lab gives every sandbox
 * (lab-server/src/world: seedMail.ts, maildir/mailbox.ts). A message's size depends on the
 * address it greets; each row is [arrival time, S= size, W= size with CRLF].
 * tests/integration/maildir-stand-in.test.ts compares all this with a fresh lab's.
 */
const SEEDED_USERS: Record<string, Array<[number, number, number]>> = {
  'alice@example.com': [[1788249600, 667, 688], [1788341400, 1066, 1095], [1788430500, 856, 879]],
  'bob@example.com': [[1788249600, 657, 678], [1788341400, 1060, 1089], [1788430500, 850, 873]],
  'carol@otherdomain.com': [[1788249600, 679, 700], [1788341400, 1074, 1103], [1788430500, 864, 887]],
};
const SEEDED_FOLDERS = ['Drafts', 'Sent', 'Trash'];

/**
 * A fresh lab's Maildirs, as the view would show them: the three welcome messages in each
 * INBOX's new/ (file names as long as real ones on `host`, the machine the lab runs on) and
 * the empty special folders. Drawn unseen while the real view loads, in the same markup, it
 * keeps a box of the real view's size at any width, so the text below does not move when it
 * arrives.
 */
export function freshSandbox(host: string): SandboxView {
  const empty = (name: string, dir: string): FolderView => ({ name, dir, keywords: {}, new: [], cur: [], tmp: [] });
  // The longest M<microseconds>P<pid> a lab writes (pid_max is 4194304): never shorter than a
  // real name, so the real view, which keeps the sample's height (MaildirView), never grows a line.
  let delivered = 0;
  return {
    sandbox: 'default',
    users: Object.entries(SEEDED_USERS).map(([address, seeded]) => {
      const [local, domain] = address.split('@');
      const inbox = empty('INBOX', '');
      inbox.new = seeded.map(([time, size, wire], i) => ({ name: `${time}.M999999P4194304Q${++delivered}.${host},S=${size},W=${wire}`, uid: i + 1, flags: '', size }));
      return { address, path: `vhosts/${domain}/${local}`, folders: [inbox, ...SEEDED_FOLDERS.map((f) => empty(f, `.${f}`))] };
    }),
    // Index files come and go as the folders are first looked at: a fresh lab shows 8.3–9.4 KB.
    usage: { bytes: 9 * 1024, messages: 9, limits: { bytes: 64 * 1024 * 1024, messages: 10_000 } },
  };
}
