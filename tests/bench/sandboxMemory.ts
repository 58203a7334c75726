/**
 * What idle sandboxes keep in memory: `SANDBOX_COUNT` learners' sandboxes, each with a
 * 4,000-message INBOX (hard links to one set of files, dropped into new/ as by hand) opened
 * once as a read-write SELECT opens it, then left alone. Heap and RSS after a full GC: with
 * no sandbox, the sandboxes with no folder loaded, every INBOX open, and after the idle folders
 * were let go. `npm run bench -- sandboxes`: making 300 sandboxes takes minutes (SANDBOXES=30 for a
 * quick look).
 */
import { mkdir, mkdtemp, link, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { letGoOfIdleFolders, setFolderIdleTime } from '../../lab-server/src/maildir/idleFolders.js';
import { mailboxOf, sandboxMail } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import { Sandboxes } from '../../lab-server/src/world/sandboxes.js';

const SANDBOX_COUNT = Number(process.env.SANDBOXES ?? 300);
const MESSAGES = 4000;

function memory(): { heapMB: number; rssMB: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heapMB: Math.round(m.heapUsed / 2 ** 20), rssMB: Math.round(m.rss / 2 ** 20) };
}

export async function benchSandboxMemory(): Promise<Record<string, unknown>> {
  // Only the let-go below, not the lab's own sweep while the sandboxes are made (minutes).
  setFolderIdleTime(24 * 3600_000);
  const dir = await mkdtemp(join(tmpdir(), 'maillab-bench-memory-'));
  try {
    const template = join(dir, 'template');
    await mkdir(template);
    const names: string[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const name = `${1_700_000_000 + i}.M${i}P1.bench`;
      names.push(name);
      await writeFile(join(template, name), `From: alice@example.com\nTo: bob@example.com\nSubject: message ${i}\nMessage-ID: <${i}@bench>\n\nBody ${i}\n`);
    }
    const empty = memory();
    const sandboxes = new Sandboxes(join(dir, 'data'), sandboxMail);
    const inboxes = [];
    for (let s = 0; s < SANDBOX_COUNT; s++) {
      const sandbox = await sandboxes.create(`learner-${s}`);
      const user = sandbox.definition.users.find((u) => u.address === 'bob@example.com')!;
      const inbox = mailboxOf(sandbox, user).inbox;
      for (const name of names) await link(join(template, name), join(inbox.dir, 'new', name));
      inboxes.push(inbox);
    }
    await letGoOfIdleFolders(0);
    const before = memory();
    for (const inbox of inboxes) {
      await inbox.sync();
      await inbox.claimRecent();
      await inbox.flush();
    }
    const opened = memory();
    const held = inboxes[0]!.list().length;
    const started = performance.now();
    const letGo = await letGoOfIdleFolders(0);
    const sweepMs = Math.round(performance.now() - started);
    const idle = memory();
    // Opened again from the index on disk, as the next SELECT does.
    const t = performance.now();
    await inboxes[0]!.sync();
    const reopenMs = Math.round((performance.now() - t) * 10) / 10;
    const counted = inboxes[0]!.list().length;
    if (counted !== held) throw new Error(`reopened with ${counted} messages, not ${held}`);
    return {
      sandboxes: SANDBOX_COUNT,
      messagesEach: MESSAGES,
      noSandboxes: empty,
      sandboxesNoFolderLoaded: before,
      perSandboxKBWithoutFolders: Math.round(((before.heapMB - empty.heapMB) * 1024) / SANDBOX_COUNT),
      allOpen: opened,
      afterLetGo: idle,
      foldersLetGo: letGo,
      letGoMs: sweepMs,
      perSandboxKBOpen: Math.round(((opened.heapMB - before.heapMB) * 1024) / SANDBOX_COUNT),
      perSandboxKBIdle: Math.round(((idle.heapMB - before.heapMB) * 1024) / SANDBOX_COUNT),
      reopenOneInboxMs: reopenMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
