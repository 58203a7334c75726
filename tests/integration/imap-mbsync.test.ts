/**
 * mbsync (Debian's isync) mirrors alice's mailboxes into a local Maildir, as learners do. The
 * second sync must be a no-op (mbsync only looks: no message is fetched, stored or appended),
 * and so must a sync after the lab has restarted: UIDs and UIDVALIDITY are the same, so
 * mbsync has nothing to recover from. A change on the lab side then travels as one change.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/clients.js';
import { imaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
let dir: string;

beforeAll(async () => {
  lab = await startTestLab();
  dir = await mkdtemp(join(tmpdir(), 'maillab-mbsync-'));
  await mkdir(join(dir, 'mail'));
});
afterAll(async () => {
  await lab?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Runs mbsync with network debugging on, so the IMAP commands it sent can be checked. */
async function mbsync(): Promise<{ commands: string[]; output: string }> {
  const config = join(dir, 'mbsyncrc');
  await writeFile(
    config,
    `IMAPAccount lab\nHost 127.0.0.1\nPort ${lab.port('imap')}\nUser alice@example.com\nPass secret\nSSLType None\nAuthMechs LOGIN\n\n` +
      `IMAPStore far\nAccount lab\n\nMaildirStore near\nPath ${dir}/mail/\nInbox ${dir}/mail/INBOX\nSubFolders Verbatim\n\n` +
      `Channel lab\nFar :far:\nNear :near:\nPatterns *\nCreate Both\nExpunge Both\nSyncState *\n`,
  );
  const result = await run('mbsync', ['-Dn', '-c', config, 'lab'], undefined, 60_000);
  const output = result.stdout + result.stderr;
  expect(result.code, output.slice(-2000)).toBe(0);
  return { commands: [...output.matchAll(/^>>> \d+ (.*)$/gm)].map((m) => m[1]!), output };
}

/** The UIDVALIDITY of each box the lab answered SELECT with, in order. */
const validities = (output: string): string[] => [...output.matchAll(/^\* OK \[UIDVALIDITY (\d+)\]/gm)].map((m) => m[1]!);

/** Commands that change something or fetch a message: a no-op sync sends none. */
const WORK = /^(APPEND|UID STORE|STORE|UID EXPUNGE|EXPUNGE|UID MOVE|CREATE|DELETE)\b|BODY\.PEEK\[\]|BODY\[\]|RFC822/i;

async function localMessages(): Promise<string[]> {
  const names: string[] = [];
  for (const box of await readdir(join(dir, 'mail'))) {
    for (const sub of ['new', 'cur']) {
      for (const f of await readdir(join(dir, 'mail', box, sub)).catch(() => [])) names.push(`${box}/${f.replace(/^.*,U=\d+/, '')}`);
    }
  }
  return names.sort();
}

describe('mbsync', () => {
  it('syncs once, then finds nothing to do, even after the lab restarts', async () => {
    const first = await mbsync();
    expect(first.commands.some((c) => /BODY\.PEEK\[\]|RFC822\.PEEK|BODY\[\]/i.test(c))).toBe(true);
    expect(validities(first.output)).toHaveLength(4); // INBOX, Drafts, Sent, Trash
    const mirrored = await localMessages();
    expect(mirrored.filter((m) => m.startsWith('INBOX/'))).toHaveLength(3);

    const second = await mbsync();
    expect(second.commands.filter((c) => WORK.test(c))).toEqual([]);
    expect(await localMessages()).toEqual(mirrored);

    lab = await lab.restart();
    const third = await mbsync();
    // mbsync's own complaint when a box's UIDVALIDITY changed ("UIDVALIDITY of far side changed").
    expect(third.output).not.toMatch(/UIDVALIDITY of|changed UIDVALIDITY|Recover/i);
    expect(validities(third.output)).toEqual(validities(first.output));
    expect(third.commands.filter((c) => WORK.test(c))).toEqual([]);
    expect(await localMessages()).toEqual(mirrored);

    // A flag set on the lab travels to the mirror as one flag change, and only that.
    await imaplib(lab.port('imap'), `M.login('alice@example.com', 'secret')\nM.select('INBOX')\nM.store('2', '+FLAGS', '(\\\\Flagged)')\nM.logout()`);
    const fourth = await mbsync();
    expect(fourth.commands.filter((c) => WORK.test(c))).toEqual([]);
    const now = await localMessages();
    expect(now.filter((m) => m.startsWith('INBOX/') && /:2,[A-Z]*F/.test(m))).toHaveLength(1);
  });
});
