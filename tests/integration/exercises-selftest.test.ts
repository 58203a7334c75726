/**
 * Protocol exercises test themselves for real: each reference solution and each known-wrong
 * answer is typed line by line into the browser terminal (WebSocket -> bridge -> real SMTP,
 * POP3 and IMAP listeners), the bridge writes the transcript, and the grader reads the sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolScript } from '../../lab-server/src/grading/exercises.js';
import { grade } from '../../lab-server/src/grading/graders.js';
import { mailboxOf } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { freshSandbox, runScript } from '../helpers/protocolScript.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

async function play(script: unknown) {
  await freshSandbox(lab);
  await runScript(lab, script as ProtocolScript);
  return (exerciseId: string) => {
    const e = lab.exercises.get(exerciseId)!;
    return lab.sandboxes.get('default').then((sandbox) => grade(e.grader.name, e.grader.params, null, { sandbox }));
  };
}

const problems = (feedback: Array<{ level: string; code: string }>): string[] => feedback.filter((f) => f.level !== 'ok').map((f) => `${f.level}:${f.code}`).sort();

const protocolIds = ['smtp-send', 'smtp-dot-stuffing', 'pop3-delete', 'imap-flag', 'submission-auth', 'submissions-implicit-tls', 'imap-starttls', 'pop3-stls', 'pop3s'];

describe.each(protocolIds)('protocol exercise %s', (id) => {
  it('passes when its reference solution is really typed into the terminal', async () => {
    const exercise = lab.exercises.get(id)!;
    expect(exercise.kind).toBe('protocol');
    const r = await (await play(exercise.solution))(id);
    expect(problems(r.feedback), JSON.stringify(r.feedback)).toEqual([]);
    expect(r.passed).toBe(true);
  });

  it('passes every right answer written differently, with exactly its stated warnings', async () => {
    const exercise = lab.exercises.get(id)!;
    for (const [i, right] of exercise.right.entries()) {
      const r = await (await play(right.answer))(id);
      expect(problems(r.feedback), `right[${i}] ${JSON.stringify(r.feedback)}`).toEqual(problems(right.feedback ?? []));
      expect(r.passed, `right[${i}]`).toBe(true);
    }
  });

  it('fails every known-wrong answer with exactly its stated feedback', async () => {
    const exercise = lab.exercises.get(id)!;
    for (const [i, wrong] of exercise.wrong.entries()) {
      const r = await (await play(wrong.answer))(id);
      expect(r.passed, `wrong[${i}]`).toBe(false);
      expect(problems(r.feedback), `wrong[${i}] ${JSON.stringify(r.feedback)}`).toEqual(problems(wrong.feedback));
      for (const f of r.feedback.filter((x) => x.level !== 'ok')) {
        expect(f.hint, `${f.code} needs a hint`).toBeDefined();
        expect(f.message['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });
});

describe('protocol grading reads the sandbox, not claims', () => {
  it('gives no credit for smtp-send before anything was typed, whatever the answer says', async () => {
    await freshSandbox(lab);
    const e = lab.exercises.get('smtp-send')!;
    const r = await grade(e.grader.name, e.grader.params, { done: true, subject: 'Hello from the lab' }, { sandbox: await lab.sandboxes.get('default') });
    expect(r.passed).toBe(false);
    expect(problems(r.feedback)).toEqual(['error:smtp.no-session']);
  });

  it('notices when the sent message was later deleted from the Maildir', async () => {
    const check = await play(lab.exercises.get('smtp-send')!.solution);
    expect((await check('smtp-send')).passed).toBe(true);
    const sandbox = await lab.sandboxes.get('default');
    const inbox = mailboxOf(sandbox, sandbox.userByAddress('bob@example.com')!).inbox;
    const all = await inbox.sync();
    await inbox.expunge([all[all.length - 1]!.uid]);
    const after = await check('smtp-send');
    expect(after.passed).toBe(false);
    expect(problems(after.feedback)).toEqual(['error:smtp.not-delivered']);
  });
});
