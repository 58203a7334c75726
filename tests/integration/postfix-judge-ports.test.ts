/**
 * A judge's probes start only once every inet service of its master.cf takes connections.
 * master binds them one after another at its start; on a loaded machine it was once descheduled
 * between two binds, and postfix-limits' submission probes were refused (ECONNREFUSED) while
 * smtp, bound first and the only port waited for, answered. strace makes that pause certain
 * here: it holds master's second listen() (submission's) for 2 s, as a busy scheduler might.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { runPostfix } from '../realtools/postfix.js';
import { describe, expect, it } from 'vitest';

/** Runs runPostfix in a child process whose every process's second listen() waits `delayMs`; its probes' results. */
async function probesWithSlowSecondBind(delayMs: number): Promise<Array<{ service?: string; rcpt: string; replies: string[] }>> {
  const postfix = resolve(import.meta.dirname, '../realtools/postfix.ts');
  const script = `
import { runPostfix } from ${JSON.stringify(postfix)};
const run = await runPostfix({
  mainCf: '',
  masterCf: 'smtp inet n - n - - smtpd\\nsubmission inet n - n - - smtpd',
  probes: [{ service: 'submission', from: 'a@example.com', to: 'b@example.com' }, { from: 'a@example.com', to: 'b@example.com' }],
});
console.log(JSON.stringify(run.probes));
// Its replies' time limits would keep node up for seconds more.
process.exit(0);`;
  // --seccomp-bpf: only listen() stops the traced processes; node's other syscalls run untraced.
  const strace = ['-f', '-qq', '--seccomp-bpf', '-o', '/dev/null', '-e', 'trace=listen', '-e', `inject=listen:delay_enter=${delayMs * 1000}:when=2`];
  const child = spawn('strace', [...strace, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  expect(code, out).toBe(0);
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('the judge\'s Postfix', () => {
  it('is probed on a second inet service only once master has bound it too', { timeout: 60_000 }, async () => {
    const [submission, smtp] = await probesWithSlowSecondBind(2000);
    expect(smtp!.replies[0], JSON.stringify(smtp)).toMatch(/^220 /);
    // The old wait (the first port only) gave: (no connection: connect ECONNREFUSED 127.0.0.1:…).
    expect(submission!.service).toBe('submission');
    expect(submission!.rcpt, JSON.stringify(submission)).toMatch(/^250 /);
  });

  it('takes a commented service line, as Debian\'s master.cf has them, for a comment: its port is not waited for', { timeout: 60_000 }, async () => {
    // Taken as a service, "#submission" became an active line master refused or never opened,
    // and the probes were never run.
    const run = await runPostfix({
      mainCf: '',
      masterCf: 'smtp inet n - n - - smtpd\n#submission inet n - y - - smtpd\n#  -o syslog_name=postfix/submission',
      probes: [{ from: 'a@example.com', to: 'b@example.com' }],
    });
    expect(run.probes[0]?.replies[0], JSON.stringify(run.probes)).toMatch(/^220 /);
  });
});
