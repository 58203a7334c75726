/**
 * Protocol tasks done with real clients outside the browser: a raw socket whose dialogue is
 * recorded with TranscriptWriter (as the bridge records it), and Python's poplib/imaplib, which
 * leave no transcript. The graders credit what the sandbox and transcripts show, nothing else.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TranscriptWriter } from '../../lab-server/src/bridge/transcript.js';
import { grade } from '../../lab-server/src/grading/graders.js';
import { mailboxOf } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import type { ServiceId } from '../../lab-server/src/services.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { freshSandbox } from '../helpers/protocolScript.js';
import { RawClient } from '../helpers/rawSocket.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/** A raw-socket session whose every line goes into a transcript, like a terminal's. */
class RecordedSession {
  private constructor(
    private readonly client: RawClient,
    private readonly writer: TranscriptWriter,
  ) {}

  static async open(service: ServiceId, greeting: RegExp): Promise<RecordedSession> {
    const sandbox = await lab.sandboxes.get('default');
    const writer = new TranscriptWriter(sandbox, { session: randomUUID(), service, startedAt: new Date().toISOString(), owner: 'raw-socket-test' });
    const session = new RecordedSession(await RawClient.open(lab.port(service)), writer);
    session.record(await session.client.until(greeting));
    return session;
  }

  private record(received: string): void {
    for (const line of received.split('\r\n').slice(0, -1)) this.writer.add('S', line, false);
  }

  async send(line: string, reply?: RegExp): Promise<string> {
    this.writer.add('C', line, false);
    if (!reply) {
      this.client.send(`${line}\r\n`);
      return '';
    }
    const out = await this.client.command(line, reply);
    this.record(out);
    return out;
  }

  async close(): Promise<void> {
    this.client.close();
    await this.writer.close();
  }
}

const gradeExercise = async (id: string) => {
  const e = lab.exercises.get(id)!;
  return grade(e.grader.name, e.grader.params, null, { sandbox: await lab.sandboxes.get('default') });
};
const problems = (r: { feedback: Array<{ level: string; code: string }> }) => r.feedback.filter((f) => f.level !== 'ok').map((f) => `${f.level}:${f.code}`);

async function sendHello(): Promise<void> {
  const s = await RecordedSession.open('smtp', /^220 .*\r\n/m);
  await s.send('EHLO raw.example', /^250 .*\r\n/m);
  await s.send('MAIL FROM:<alice@example.com>', /^250 .*\r\n/m);
  await s.send('RCPT TO:<bob@example.com>', /^250 .*\r\n/m);
  await s.send('DATA', /^354 .*\r\n/m);
  for (const line of ['From: alice@example.com', 'Subject:   hello FROM the lab ', '', 'typed over a raw socket']) await s.send(line);
  await s.send('.', /^250 .*\r\n/m);
  await s.send('QUIT', /^221 .*\r\n/m);
  await s.close();
}

describe('SMTP and POP3 over a recorded raw socket', () => {
  it('passes smtp-send (the subject compared by meaning) and then pop3-delete', async () => {
    await freshSandbox(lab);
    await sendHello();
    const sent = await gradeExercise('smtp-send');
    expect(problems(sent)).toEqual([]);
    expect(sent.passed).toBe(true);

    const pop = await RecordedSession.open('pop3', /^\+OK.*\r\n/m);
    await pop.send('USER bob', /^\+OK.*\r\n/m);
    await pop.send('PASS secret', /^\+OK.*\r\n/m);
    const list = await pop.send('LIST', /\r\n\.\r\n$/);
    const last = list.split('\r\n').filter((l) => /^\d+ \d+$/.test(l)).pop()!.split(' ')[0]!;
    await pop.send(`RETR ${last}`, /\r\n\.\r\n$/);
    await pop.send(`DELE ${last}`, /^\+OK.*\r\n/m);
    await pop.send('QUIT', /^\+OK.*\r\n/m);
    await pop.close();
    const deleted = await gradeExercise('pop3-delete');
    expect(problems(deleted)).toEqual([]);
    expect(deleted.passed).toBe(true);
  });
});

describe('mail clients that leave no transcript', () => {
  it('poplib really deletes the message, but pop3-delete asks for the dialogue typed by hand', async () => {
    await freshSandbox(lab);
    await sendHello();
    const r = await python(
      `import poplib
p = poplib.POP3('127.0.0.1', P['port'])
p.user('bob@example.com'); p.pass_('secret')
n = len(p.list()[1])
p.retr(n); p.dele(n); p.quit()
print(n)`,
      { port: lab.port('pop3') },
    );
    expect(r.code, r.stderr).toBe(0);
    const sandbox = await lab.sandboxes.get('default');
    const inbox = mailboxOf(sandbox, sandbox.userByAddress('bob@example.com')!).inbox;
    expect((await inbox.sync()).length).toBe(3);
    expect(problems(await gradeExercise('pop3-delete'))).toEqual(['error:pop3.no-session']);
  });

  it('imaplib sets \\Flagged: imap-flag passes from the Maildir, with a warning that no STORE was typed', async () => {
    await freshSandbox(lab);
    const r = await python(
      `import imaplib
m = imaplib.IMAP4('127.0.0.1', P['port'])
m.login('alice@example.com', 'secret')
m.select('INBOX')
m.store('1', '+FLAGS', '\\\\Flagged')
m.logout()`,
      { port: lab.port('imap') },
    );
    expect(r.code, r.stderr).toBe(0);
    const result = await gradeExercise('imap-flag');
    expect(result.passed).toBe(true);
    expect(problems(result)).toEqual(['warn:imap.no-transcript']);
    expect(result.feedback[0]!.message.en).toMatch(/:2,F/);
  });
});
