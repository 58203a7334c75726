/**
 * Plays a protocol exercise's script (its reference solution or a known-wrong answer) through
 * the real browser-terminal bridge, line by line, waiting for each reply as a learner would.
 * The bridge writes the transcripts the protocol graders read.
 */
import { rm } from 'node:fs/promises';
import { transcriptsDir } from '../../lab-server/src/world/transcriptFiles.js';
import type { ProtocolScript } from '../../lab-server/src/grading/exercises.js';
import { DEFAULT_SANDBOX } from '../../lab-server/src/world/sandboxes.js';
import type { TestLab } from './lab.js';
import { TerminalClient } from './terminal.js';

const SMTP_FINAL = /^\d{3} [^\n]*\n/m;

function protocolOf(service: string): 'smtp' | 'pop3' | 'imap' {
  if (service === 'smtp' || service.startsWith('submission')) return 'smtp';
  return service.startsWith('pop3') ? 'pop3' : 'imap';
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runSession(lab: TestLab, service: string, lines: string[], headers: Record<string, string> = {}, exercise?: string): Promise<string> {
  const t = await TerminalClient.open(lab.httpPort, service, headers, exercise);
  const proto = protocolOf(service);
  let log = await t.expect(proto === 'smtp' ? /^220 /m : proto === 'pop3' ? /^\+OK/m : /^\* OK/m);
  let inData = false;
  for (const line of lines) {
    if (proto === 'smtp') {
      if (inData && line !== '.') {
        t.line(line);
        continue;
      }
      const out = await t.send(line, SMTP_FINAL);
      log += out;
      inData = /^DATA$/i.test(line.trim()) && /^354/m.test(out);
      if (/^STARTTLS$/i.test(line.trim()) && /^220/m.test(out)) await t.message('tls');
    } else if (proto === 'pop3') {
      const words = line.trim().split(/\s+/);
      const verb = words[0]!.toUpperCase();
      const multi = ['RETR', 'TOP', 'CAPA'].includes(verb) || (['LIST', 'UIDL'].includes(verb) && words.length === 1);
      const out = await t.send(line, multi ? /^-ERR[^\n]*\n|\r?\n\.\r?\n$/m : /^(\+OK|-ERR)[^\n]*\n/m);
      log += out;
      if (verb === 'STLS' && /^\+OK/m.test(out)) await t.message('tls');
    } else {
      const tag = line.trim().split(/\s+/)[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const out = await t.send(line, new RegExp(`^${tag} (OK|NO|BAD)[^\\n]*\\n`, 'm'));
      log += out;
      if (/^\S+\s+STARTTLS$/i.test(line.trim()) && new RegExp(`^${tag} OK`, 'm').test(out)) await t.message('tls');
    }
  }
  const last = (lines[lines.length - 1] ?? '').trim().toUpperCase();
  // QUIT typed while DATA is open is just more message text: the server does not hang up.
  if (!inData && (last === 'QUIT' || /\sLOGOUT$/.test(last))) await t.message('closed');
  t.close();
  // The transcript is complete once the bridge has ended the session.
  await waitUntil(() => lab.bridge.sessions.size === 0, 'the terminal session to end');
  await new Promise((r) => setTimeout(r, 50));
  return log;
}

/** Plays an exercise's sessions through the bridge; with `exercise`, in that exercise page's terminals. */
export async function runScript(lab: TestLab, script: ProtocolScript, headers: Record<string, string> = {}, exercise?: string): Promise<void> {
  for (const s of script.sessions) await runSession(lab, s.service, s.lines, headers, exercise);
}

/** Puts the default sandbox back to its seeded state, transcripts included. */
export async function freshSandbox(lab: TestLab, id = DEFAULT_SANDBOX): Promise<void> {
  const sandbox = await lab.sandboxes.reset(id);
  await rm(transcriptsDir(sandbox), { recursive: true, force: true });
}
