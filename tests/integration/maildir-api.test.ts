/**
 * GET /api/maildir, the live Maildir view's data: the real file names of the learner's
 * sandbox, read through the store, changing as real clients deliver, read and delete mail.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { letGoOfIdleFolders } from '../../lab-server/src/maildir/idleFolders.js';
import { mailboxOf } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import type { SandboxMaildirView } from '../../lab-server/src/maildir/snapshot.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { TerminalClient } from '../helpers/terminal.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

async function maildir(): Promise<SandboxMaildirView> {
  const response = await fetch(`http://127.0.0.1:${lab.httpPort}/api/maildir`);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as SandboxMaildirView;
}

function inbox(view: SandboxMaildirView, address: string) {
  const user = view.users.find((u) => u.address === address)!;
  return { user, inbox: user.folders.find((f) => f.name === 'INBOX')!, folder: (name: string) => user.folders.find((f) => f.name === name)! };
}

describe('GET /api/maildir', () => {
  it('shows every user of the sandbox with INBOX and the Maildir++ folders, and the seeded files in new/', async () => {
    const view = await maildir();
    expect(view.sandbox).toBe('default');
    expect(view.users.map((u) => u.address).sort()).toEqual(['alice@example.com', 'bob@example.com', 'carol@otherdomain.com']);
    const { user, inbox: box } = inbox(view, 'carol@otherdomain.com');
    // Relative to the sandbox: the server's own directories are none of the page's business.
    expect(user.path).toBe('vhosts/otherdomain.com/carol');
    expect(JSON.stringify(view)).not.toContain(lab.dataDir);
    expect(user.folders.map((f) => [f.name, f.dir])).toEqual([
      ['INBOX', ''],
      ['Drafts', '.Drafts'],
      ['Sent', '.Sent'],
      ['Trash', '.Trash'],
    ]);
    expect(box.new).toHaveLength(3);
    expect(box.cur).toEqual([]);
    expect(box.tmp).toEqual([]);
    for (const file of box.new) {
      // Dovecot-style unique names: time.M<usec>P<pid>Q<n>.host,S=<size>,W=<crlf size>, no info yet.
      expect(file.name).toMatch(/^\d+\.M\d+P\d+Q\d+\.[^,]+,S=\d+,W=\d+$/);
      expect(file.size).toBe(Number(/,S=(\d+)/.exec(file.name)![1]));
      expect(file.uid).toBeGreaterThan(0);
    }
  });

  it('follows a delivery into new/, an IMAP read into cur/ with :2,S, a flag, a keyword and an expunge', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: lab.port('smtp'), secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 'for the Maildir view', text: 'watch me' });
    transport.close();

    const before = inbox(await maildir(), 'bob@example.com').inbox;
    const delivered = before.new.filter((f) => !f.name.includes(':2,'));
    expect(delivered).toHaveLength(4);
    const newest = delivered.reduce((a, b) => (a.uid! > b.uid! ? a : b));
    const base = newest.name;

    const imap = new ImapFlow({ host: '127.0.0.1', port: lab.port('imap'), secure: false, auth: { user: 'bob@example.com', pass: 'secret' }, logger: false, doSTARTTLS: false });
    await imap.connect();
    const lock = await imap.getMailboxLock('INBOX');
    try {
      // Like a mail program: read with BODY.PEEK[], then mark the message as seen.
      const read = await imap.fetchOne(String(newest.uid), { source: true }, { uid: true });
      expect(read && read.source?.toString()).toContain('watch me');
      await imap.messageFlagsAdd(String(newest.uid), ['\\Seen'], { uid: true });
      // The other messages, only noticed, follow into cur/ a moment after (noticedMoves.ts).
      await expect.poll(async () => inbox(await maildir(), 'bob@example.com').inbox.new).toEqual([]);
      let box = inbox(await maildir(), 'bob@example.com').inbox;
      expect(box.cur.find((f) => f.uid === newest.uid)!.name).toBe(`${base}:2,S`);

      await imap.messageFlagsAdd(String(newest.uid), ['\\Flagged'], { uid: true });
      box = inbox(await maildir(), 'bob@example.com').inbox;
      expect(box.cur.find((f) => f.uid === newest.uid)).toMatchObject({ name: `${base}:2,FS`, flags: 'FS' });

      // A keyword is a lower-case letter in the name, named by the folder's dovecot-keywords.
      await imap.messageFlagsAdd(String(newest.uid), ['$Junk'], { uid: true });
      box = inbox(await maildir(), 'bob@example.com').inbox;
      expect(box.cur.find((f) => f.uid === newest.uid)).toMatchObject({ name: `${base}:2,FSa`, flags: 'FSa' });
      expect(box.keywords).toEqual({ a: '$Junk' });

      await imap.messageMove('1', 'Trash', { uid: true });
      await imap.messageDelete(String(newest.uid), { uid: true });
    } finally {
      lock.release();
      await imap.logout();
    }
    const after = inbox(await maildir(), 'bob@example.com');
    expect(after.inbox.cur.some((f) => f.name.startsWith(base))).toBe(false);
    expect(after.inbox.cur).toHaveLength(2);
    expect(after.folder('Trash').cur).toHaveLength(1);
  });

  it('answers a poll with its ETag 304 while nothing changed, without syncing a folder, and anew after each change', async () => {
    const url = `http://127.0.0.1:${lab.httpPort}/api/maildir`;
    // A tag comes once the directories' times are old enough to trust (folderState.ts's rule).
    const tagged = async (): Promise<{ etag: string; view: SandboxMaildirView }> => {
      let response!: Response;
      await expect.poll(async () => (response = await fetch(url)).headers.get('etag'), { timeout: 10_000 }).toMatch(/^W\/".+"$/);
      return { etag: response.headers.get('etag')!, view: (await response.json()) as SandboxMaildirView };
    };
    const poll = (etag: string) => fetch(url, { headers: { 'if-none-match': etag } });
    const bobs = (view: SandboxMaildirView) => inbox(view, 'bob@example.com');
    let flagged = 0;
    let etag = '';
    let view!: SandboxMaildirView;
    // Settled: what an IMAP session only noticed moves to cur/ a moment after it (noticedMoves.ts).
    const settled = () => expect.poll(async () => (({ etag, view } = await tagged()), (await poll(etag)).status), { timeout: 15_000 }).toBe(304);

    await settled();
    const sandbox = await lab.sandboxes.get('default');
    const bobInbox = mailboxOf(sandbox, sandbox.definition.users.find((u) => u.address === 'bob@example.com')!).inbox;
    // Every folder lets its index go: a poll that syncs would load Bob's INBOX again.
    await letGoOfIdleFolders(0);
    expect(bobInbox.state.isLoaded).toBe(false);
    for (let i = 0; i < 3; i++) {
      const unchanged = await poll(etag);
      expect(unchanged.status).toBe(304);
      expect(unchanged.headers.get('etag')).toBe(etag);
      expect(unchanged.headers.get('cache-control')).toBe('no-store');
      expect(await unchanged.text()).toBe('');
    }
    // Without the tag (a reload, a second tab, a loop by hand): the view built last, not built again.
    const again = await fetch(url);
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.json()).toEqual(view);
    expect(bobInbox.state.isLoaded).toBe(false);
    // Another tag, or none, is a full answer.
    expect((await fetch(url, { headers: { 'if-none-match': 'W/"not-it"' } })).status).toBe(200);

    const changes: Array<[string, () => Promise<void>, (before: SandboxMaildirView, after: SandboxMaildirView) => void]> = [
      [
        'an SMTP delivery',
        async () => {
          const transport = nodemailer.createTransport({ host: '127.0.0.1', port: lab.port('smtp'), secure: false, ignoreTLS: true });
          await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 'poll me', text: 'hi' });
          transport.close();
        },
        (before, after) => expect(bobs(after).inbox.new.length).toBe(bobs(before).inbox.new.length + 1),
      ],
      [
        'a file dropped into new/ by hand',
        () => writeFile(join(lab.dataDir, 'sandboxes/default/vhosts/example.com/bob/new/1700000000.M1P1Q1.byhand'), 'Subject: by hand\n\nhi\n'),
        (_, after) => expect(bobs(after).inbox.new.map((f) => f.name)).toContain('1700000000.M1P1Q1.byhand'),
      ],
      [
        'a file being written in tmp/',
        () => writeFile(join(lab.dataDir, 'sandboxes/default/vhosts/example.com/bob/tmp/1700000001.M1P1Q1.writing'), 'Subject: half'),
        (_, after) => expect(bobs(after).inbox.tmp).toEqual([{ name: '1700000001.M1P1Q1.writing', flags: '', size: 13 }]),
      ],
      [
        'the same file grown',
        () => writeFile(join(lab.dataDir, 'sandboxes/default/vhosts/example.com/bob/tmp/1700000001.M1P1Q1.writing'), 'Subject: half written'),
        (_, after) => expect(bobs(after).inbox.tmp[0]!.size).toBe(21),
      ],
      [
        'a flag set over IMAP',
        async () => {
          const imap = new ImapFlow({ host: '127.0.0.1', port: lab.port('imap'), secure: false, auth: { user: 'bob@example.com', pass: 'secret' }, logger: false, doSTARTTLS: false });
          await imap.connect();
          const lock = await imap.getMailboxLock('INBOX');
          flagged = bobs(view).inbox.cur.find((f) => !f.flags.includes('F'))!.uid!;
          try {
            await imap.messageFlagsAdd(String(flagged), ['\\Flagged'], { uid: true });
          } finally {
            lock.release();
            await imap.logout();
          }
        },
        (_, after) => expect(bobs(after).inbox.cur.find((f) => f.uid === flagged)?.flags).toContain('F'),
      ],
      [
        'a folder made by hand',
        async () => {
          for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(lab.dataDir, `sandboxes/default/vhosts/example.com/bob/.Polled/${sub}`), { recursive: true });
        },
        (_, after) => expect(bobs(after).user.folders.map((f) => f.name)).toContain('Polled'),
      ],
    ];
    for (const [change, make, check] of changes) {
      await make();
      const response = await poll(etag);
      expect(response.status, change).toBe(200);
      const after = (await response.json()) as SandboxMaildirView;
      check(view, after);
      await settled();
    }
  });

  it('stays 304 while a terminal is used (its transcript grows the usage, not the Maildirs), with the usage of now', async () => {
    const url = `http://127.0.0.1:${lab.httpPort}/api/maildir`;
    const poll = (etag: string) => fetch(url, { headers: { 'if-none-match': etag } });
    const usageOf = (response: Response) => (JSON.parse(response.headers.get('maillab-usage')!) as { bytes: number }).bytes;
    let etag = '';
    let view!: SandboxMaildirView & { usage: { bytes: number } };
    // Settled, and every folder let go (which finishes the moves to cur/ an IMAP session noticed): still 304.
    await expect
      .poll(async () => {
        const response = await fetch(url);
        etag = response.headers.get('etag') ?? '';
        view = (await response.json()) as typeof view;
        if (etag === '' || (await poll(etag)).status !== 304) return 'changing';
        await letGoOfIdleFolders(0);
        return (await poll(etag)).status;
      }, { timeout: 15_000 })
      .toBe(304);
    const sandbox = await lab.sandboxes.get('default');
    const folders = [];
    for (const user of sandbox.definition.users) {
      const mailbox = mailboxOf(sandbox, user);
      for (const name of await mailbox.folderNames()) folders.push(mailbox.folder(name));
    }
    const firstUsage = view.usage.bytes;

    // The lesson page's "watch it happen": the learner types in a terminal beside the view.
    const term = await TerminalClient.open(lab.httpPort, 'imap');
    try {
      await term.expect(/\* OK/);
      for (let i = 0; i < 8; i++) {
        await term.send(`a${i} NOOP`, new RegExp(`a${i} OK`));
        const response = await poll(etag);
        expect(response.status, `poll after NOOP ${i}`).toBe(304);
        expect(response.headers.get('etag')).toBe(etag);
      }
    } finally {
      term.ws.close();
    }
    // The usage the view shows still grows with the transcript: it comes with the 304.
    await expect.poll(async () => usageOf(await poll(etag)), { timeout: 10_000 }).toBeGreaterThan(firstUsage);
    // Without the tag: the tree kept for it, with the usage of now, not every folder synced again.
    const plain = await fetch(url);
    const body = (await plain.json()) as SandboxMaildirView & { usage: { bytes: number } };
    expect(plain.headers.get('etag')).toBe(etag);
    expect({ ...body, usage: undefined }).toEqual({ ...view, usage: undefined });
    expect(body.usage.bytes).toBeGreaterThan(firstUsage);
    expect(body.usage.bytes).toBe(usageOf(plain));
    expect(folders.filter((f) => f.state.isLoaded).map((f) => f.dir)).toEqual([]);

    // Mail that really arrives is a full answer, with the file and the usage it adds.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: lab.port('smtp'), secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 'while typing', text: 'hi' });
    transport.close();
    const arrived = await poll(etag);
    expect(arrived.status).toBe(200);
    const after = (await arrived.json()) as SandboxMaildirView & { usage: { bytes: number } };
    expect(inbox(after, 'bob@example.com').inbox.new.length).toBe(inbox(view, 'bob@example.com').inbox.new.length + 1);
    expect(after.usage.bytes).toBeGreaterThan(body.usage.bytes);
  }, 60_000);

  it('answers 401 when the request belongs to no sandbox', async () => {
    const strangers = await startTestLab({ terminalRequester: async () => undefined });
    try {
      const response = await fetch(`http://127.0.0.1:${strangers.httpPort}/api/maildir`);
      expect(response.status).toBe(401);
      // Only classroom mode has requests without a learner: they log in or join first.
      const error = ((await response.json()) as { error: { en: string; 'zh-CN': string } }).error;
      expect(error.en).toBe('Log in or join your class first (on the /join/ page).');
      expect(error['zh-CN']).toBe('请先登录或加入班级（在 /join/ 页面）。');
    } finally {
      await strangers.dispose();
    }
  });
});
