/**
 * The live Maildir view's poll (GET /api/maildir every 1.5 s while it is on screen): bytes on
 * the wire, CPU time and the longest stall of the event loop per poll (client and lab share
 * this process), on a sandbox of 2,700 messages: first with nothing changed between polls,
 * then with a delivery before each.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startTestLab } from '../helpers/lab.js';
import { mailboxOf } from '../../lab-server/src/maildir/sandboxMaildirs.js';

const POLLS = 40;

/** The median and the worst of each poll's longest stall, in ms. */
function stallFigures(stalls: number[]): { medianStallMs: number; worstStallMs: number } {
  const sorted = [...stalls].sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return { medianStallMs: round(sorted[Math.floor(sorted.length / 2)]!), worstStallMs: round(sorted.at(-1)!) };
}

export async function benchMaildirPoll(messagesPerUser = 900): Promise<Record<string, unknown>> {
  const lab = await startTestLab();
  try {
    const sandbox = await lab.sandboxes.get('default');
    for (const user of sandbox.definition.users) {
      const inbox = mailboxOf(sandbox, user).inbox;
      for (let i = 0; i < messagesPerUser; i++) await inbox.deliver(Buffer.from(`Subject: bench ${i}\n\nbody ${i}\n`));
    }
    const url = `http://127.0.0.1:${lab.httpPort}/api/maildir`;
    // A tag once the directories' times are old enough to trust (none at all before the fix).
    let first = await fetch(url);
    for (let i = 0; i < 10 && !first.headers.has('etag'); i++) {
      await first.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 100));
      first = await fetch(url);
    }
    await first.arrayBuffer();
    const run = async (before?: () => Promise<void>) => {
      let etag = first.headers.get('etag') ?? undefined;
      let bytes = 0;
      const cpus: number[] = [];
      const stalls: number[] = [];
      let statuses: Record<number, number> = {};
      for (let i = 0; i < POLLS; i++) {
        await before?.();
        const delay = monitorEventLoopDelay({ resolution: 1 });
        delay.enable();
        const cpu = process.cpuUsage();
        const response = await fetch(url, { headers: { 'accept-encoding': 'identity', ...(etag ? { 'if-none-match': etag } : {}) } });
        const body = Buffer.from(await response.arrayBuffer());
        delay.disable();
        const used = process.cpuUsage(cpu);
        cpus.push((used.user + used.system) / 1000);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        etag = response.headers.get('etag') ?? etag;
        bytes += body.length;
        stalls.push(delay.max / 1e6);
      }
      return { polls: POLLS, statuses, bytesPerPoll: Math.round(bytes / POLLS), medianCpuMs: Math.round(cpus.sort((a, b) => a - b)[POLLS / 2]! * 10) / 10, ...stallFigures(stalls) };
    };
    const unchanged = await run();
    const bob = mailboxOf(sandbox, sandbox.definition.users.find((u) => u.address.startsWith('bob'))!).inbox;
    const delivered = await run(async () => void (await bob.deliver(Buffer.from('Subject: one more\n\nhi\n'))));
    return { messages: messagesPerUser * sandbox.definition.users.length, unchanged, delivered };
  } finally {
    await lab.dispose();
  }
}

