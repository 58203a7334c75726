/**
 * IMAP and POP3 figures on a 5,000-message mailbox (issue 15), for the lab running in its own
 * process as a user runs it, and beside them the same figures from a private Dovecot on the
 * same machine when Debian's dovecot-imapd and dovecot-pop3d are installed. See
 * mailboxFigures.ts for what is measured and how.
 */
import { join } from 'node:path';
import { startDovecot } from './dovecotProcess.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { mailboxFigures } from './mailboxFigures.js';

async function labFigures(): Promise<Record<string, number>> {
  let lab: LabProcess = await startLabProcess();
  const dataDir = lab.dataDir;
  try {
    return await mailboxFigures({
      imapPort: () => lab.ports.imap!,
      pop3Port: () => lab.ports.pop3!,
      inboxDir: join(dataDir, 'sandboxes', 'default', 'vhosts', 'example.com', 'alice'),
      async restart() {
        await lab.kill();
        lab = await startLabProcess([], dataDir);
      },
      pids: async () => [lab.child.pid!],
    });
  } finally {
    await lab.stop();
  }
}

async function dovecotFigures(): Promise<Record<string, number> | string> {
  const dovecot = await startDovecot();
  if (!dovecot) return 'not measured: install dovecot-imapd and dovecot-pop3d (Debian) to put its figures beside the lab\'s';
  try {
    return await mailboxFigures(dovecot);
  } finally {
    await dovecot.stop();
  }
}

export async function benchImap(): Promise<Record<string, unknown>> {
  return { lab: await labFigures(), dovecot: await dovecotFigures() };
}

// Run on its own: node --import tsx tests/bench/imap.ts
if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await benchImap(), null, 2) + '\n');
}
