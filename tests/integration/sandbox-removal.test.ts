/**
 * Removing a sandbox while its mail is being written: SMTP deliveries and IMAP APPENDs under
 * way (their tmp/ files, the folder index and its field cache) met the recursive removal, which
 * failed with ENOTEMPTY and left the sandbox half removed (an instructor's "Remove learner"
 * answered 500). The removal now moves the sandbox out of the way first, and every one succeeds;
 * one the lab stopped during is finished at the next start. A session that writes after the
 * removal (its mail log, a Junk folder, zones, DKIM keys) made the sandbox's directories again, a
 * half sandbox nothing removed: now those writes fail, and the learner is told the sandbox is gone.
 */
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SMTPServerSession } from 'smtp-server';
import { PRIVATE_DIR } from '../../lab-server/src/files/privateModes.js';
import { acceptData } from '../../lab-server/src/smtp/acceptData.js';
import { mailboxOf } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import { defaultWorld } from '../../lab-server/src/world/definition.js';
import { ensureDkimKeys } from '../../lab-server/src/world/dkimKeys.js';
import { SANDBOX_REMOVED } from '../../lab-server/src/world/removedReplies.js';
import { writeZoneText } from '../../lab-server/src/world/zoneStore.js';
import { explainReply } from '../../site/lib/replyExplain.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { handedOff } from '../helpers/rawSocket.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const BODY = `Subject: while it goes\r\n\r\n${'x'.repeat(200)}\r\n`.repeat(40);

/** Sends mail to bob until that fails (the sandbox's removal); resolves with how many were stored. */
async function smtpWriter(sandboxId: string, started: () => void): Promise<number> {
  const c = await handedOff(lab, lab.port('smtp'), sandboxId);
  let stored = 0;
  try {
    await c.until(/^220 /m, 60_000);
    await c.command('HELO writer.test', /^250 /m, 60_000);
    for (;;) {
      for (const [line, ok] of [['MAIL FROM:<alice@example.com>', '250'], ['RCPT TO:<bob@example.com>', '250'], ['DATA', '354'], [`${BODY}.`, '250']] as const) {
        const reply = await c.command(line, /^\d{3} /m, 60_000);
        if (!reply.startsWith(ok)) throw new Error(reply);
      }
      if (stored++ === 2) started();
    }
  } catch {
    // A 451 (the mailbox went), or the connection closed.
    return stored;
  } finally {
    c.close();
  }
}

/** APPENDs to alice's INBOX and a folder of her own until that fails. */
async function imapWriter(sandboxId: string, password: string, started: () => void): Promise<number> {
  const c = await handedOff(lab, lab.port('imap'), sandboxId);
  let stored = 0;
  try {
    await c.until(/^\* OK/m, 60_000);
    await c.command(`a LOGIN alice ${password}`, /^a OK/m, 60_000);
    await c.command('b CREATE Notes', /^b (OK|NO)/m, 60_000);
    for (let n = 0; ; n++) {
      const folder = n % 2 === 0 ? 'INBOX' : 'Notes';
      const reply = await c.command(`c${n} APPEND ${folder} {${BODY.length}+}\r\n${BODY}`, new RegExp(`^(c${n} |\\* BYE)`, 'm'), 60_000);
      if (!reply.includes(`c${n} OK`)) throw new Error(reply);
      if (stored++ === 2) started();
    }
  } catch {
    // A NO (the folder went), a BYE, or the connection closed.
    return stored;
  } finally {
    c.close();
  }
}

it('removes a sandbox whose mail is being written over SMTP and IMAP, every time', async () => {
  for (let round = 0; round < 8; round++) {
    const id = `removed-${round}`;
    const sandbox = await lab.sandboxes.create(id, defaultWorld());
    const alice = sandbox.definition.users.find((u) => u.address === 'alice@example.com')!;
    let writing = 0;
    let allWriting!: () => void;
    const underWay = new Promise<void>((resolve) => (allWriting = resolve));
    const started = (): void => void (++writing === 4 && allWriting());
    const writers = [smtpWriter(id, started), smtpWriter(id, started), imapWriter(id, alice.password, started), imapWriter(id, alice.password, started)];
    // Removed while all four write.
    await underWay;
    await lab.sandboxes.delete(id);
    const stored = await Promise.all(writers);
    expect(stored.every((n) => n >= 3)).toBe(true);
    expect(await lab.sandboxes.exists(id)).toBe(false);
  }
  // Nothing of them is left: no half-removed tree, nothing moved aside.
  expect(await readdir(lab.sandboxes.root)).toEqual(['default']);
}, 300_000);

it('brings nothing of a removed sandbox back when its sessions write after the removal', async () => {
  const id = 'removed-late';
  const sandbox = await lab.sandboxes.create(id, defaultWorld());
  const alice = sandbox.definition.users.find((u) => u.address === 'alice@example.com')!;
  const smtp = await handedOff(lab, lab.port('smtp'), id);
  await smtp.until(/^220 /m, 60_000);
  for (const line of ['HELO writer.test', 'MAIL FROM:<alice@example.com>', 'RCPT TO:<bob@example.com>']) await smtp.command(line, /^250 /m, 60_000);
  const imap = await handedOff(lab, lab.port('imap'), id);
  await imap.until(/^\* OK/m, 60_000);
  await imap.command(`a LOGIN alice ${alice.password}`, /^a OK/m, 60_000);
  // The mail log lets go of its file after a quiet moment: its next line opens it again.
  const mta = await lab.world.mta(sandbox, 'example.com');
  await mta.log.close();
  await lab.sandboxes.delete(id);
  // Its IMAP and SMTP sessions are told at once, and closed.
  const bye = await imap.until(/^\* BYE [^\r\n]*\r\n/m, 60_000);
  expect(bye).toMatch(/\* BYE Your lab sandbox was removed from this server/);
  const closed = await smtp.until(/^421 [^\r\n]*\r\n/m, 60_000);
  expect(closed).toMatch(/^421 4\.3\.2 Your lab sandbox was removed from this server/);
  await smtp.waitClosed(60_000);
  // A message whose final dot came as the sandbox went is not "tried again in a moment".
  const dot = await new Promise<string>((resolve) =>
    acceptData(
      { world: lab.world, log: () => undefined, inFlight: new Set(), maxMessageSize: 1_000_000 },
      { session: { envelope: { mailFrom: { address: 'alice@example.com' }, rcptTo: [{ address: 'bob@example.com' }] } } as unknown as SMTPServerSession, sandbox, message: Buffer.from('Subject: late\r\n\r\nhi\r\n'), component: 'smtp/submission' },
      (err) => resolve(`${(err as { responseCode?: number } | null)?.responseCode} ${err?.message}`),
    ),
  );
  expect(dot).toMatch(/^451 4\.3\.2 Nothing was delivered: Your lab sandbox was removed from this server/);
  // The terminal explains each in the learner's languages.
  for (const [protocol, line] of [['imap', bye], ['smtp', closed], ['smtp', dot]] as const) expect(explainReply(protocol, line.trim())).toEqual(SANDBOX_REMOVED);
  // Every other writer of the old sandbox fails rather than making its directories again.
  mta.log.write('smtpd', 'disconnect from writer.test');
  await mta.log.flushed();
  await expect(mailboxOf(sandbox, alice).folder('Junk').create()).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(writeZoneText(sandbox, 'example.com', '')).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(ensureDkimKeys(sandbox)).rejects.toMatchObject({ code: 'ENOENT' });
  expect(await sandbox.writeState(sandbox.generation, async () => undefined)).toBe(false);
  expect(await readdir(lab.sandboxes.root)).toEqual(['default']);
  expect(await lab.sandboxes.list()).toEqual(['default']);
}, 120_000);

it('finishes at the next start a removal the lab stopped during, and drops an import cut short', async () => {
  // As a removal leaves it when the lab stops after the move aside, before the files are gone.
  const cut = join(lab.sandboxes.root, `.removed.learner-x.${process.pid}.1700000000000`);
  await mkdir(join(cut, 'vhosts', 'example.com', 'bob', 'cur'), { recursive: true });
  await writeFile(join(cut, 'world.json'), '{}\n');
  // A drain's copy of a learner's sandbox, the node stopped mid-copy: never adopted (the sandbox
  // stays on its old node), and each run of the drain again left another.
  const staged = lab.sandboxes.stagingDir('learner-y');
  await mkdir(join(staged, 'vhosts', 'example.com', 'alice', 'cur'), { recursive: true });
  await writeFile(join(staged, 'vhosts', 'example.com', 'alice', 'cur', '1700000000.M1P1.node-a:2,'), 'Subject: half copied\r\n\r\n');
  lab = await lab.restart();
  expect(await readdir(lab.sandboxes.root)).toEqual(['default']);
}, 120_000);

it('lists no directory without world.json as a sandbox, keeps its files, and says so at start', async () => {
  // A creation cut short (world.json is written last), or a directory made by hand before a
  // sandbox of that name (a folder given a volume of its own, as disk-full.test.ts does): it is
  // not a sandbox, and nothing of it is the lab's to remove.
  const half = join(lab.sandboxes.root, 'half-made');
  const small = join(half, 'vhosts', 'example.com', 'alice', '.Small');
  for (const d of ['cur', 'new', 'tmp']) await mkdir(join(small, d), { recursive: true });
  await writeFile(join(small, 'cur', '1700000000.M1P1.host:2,S'), 'Subject: kept\r\n\r\nhi\r\n');
  const said: string[] = [];
  const dir = lab.dataDir;
  await lab.stop();
  lab = await startTestLab({ log: (component, message) => said.push(`${component}: ${message}`) }, dir);
  expect(await lab.sandboxes.list()).toEqual(['default']);
  expect(await readdir(join(small, 'cur'))).toEqual(['1700000000.M1P1.host:2,S']);
  expect(said.filter((l) => l.includes('half-made'))).toEqual([expect.stringMatching(/^sandboxes: .*half-made has no world\.json: not a sandbox .* left as it is/)]);
  expect(said.some((l) => /sandboxes\/default has no world/.test(l))).toBe(false);
  // A sandbox made later under that name is seeded into it, its mail folders kept, and it is
  // for the lab's user only, as every sandbox is (made by hand it was 0755: anyone's to read).
  await chmod(half, 0o755);
  await lab.sandboxes.create('half-made');
  expect(await lab.sandboxes.list()).toEqual(['default', 'half-made']);
  expect(await readdir(join(small, 'cur'))).toContain('1700000000.M1P1.host:2,S');
  expect((await stat(half)).mode & 0o777).toBe(PRIVATE_DIR);
}, 120_000);
