/**
 * A request the lab itself fails on (here: a Maildir whose cur/ a learner replaced by a file)
 * answers 500 with a code, in both languages, and leaves its cause, stack and all, in the lab's
 * log under that code, in single mode (`maillab serve`, its log on stderr) as in classroom
 * mode. Once a 500 under load left nothing behind to find its cause by.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';

let served: LabProcess | undefined;
let lab: TestLab | undefined;
afterAll(async () => {
  await served?.stop();
  await lab?.dispose();
});

/** Puts a file where bob's cur/ was in a sandbox's Maildir. */
async function breakMaildir(dataDir: string, sandboxId: string): Promise<void> {
  const cur = join(dataDir, 'sandboxes', sandboxId, 'vhosts', 'example.com', 'bob', 'cur');
  await rm(cur, { recursive: true });
  await writeFile(cur, 'not a directory\n');
}

/** The 500's code, checked for what the page says. */
function codeOf(status: number, body: { error: { en: string; 'zh-CN': string } }): string {
  expect(status).toBe(500);
  const code = /error ([0-9a-f]{8})/.exec(body.error.en)?.[1];
  expect(code, body.error.en).toBeDefined();
  expect(body.error.en).toContain('Try again');
  expect(body.error['zh-CN']).toContain(`错误码 ${code!}`);
  // The cause is for whoever runs the lab: no file path on the page.
  expect(JSON.stringify(body)).not.toContain('sandboxes/');
  return code!;
}

it('writes the cause of a 500 to the log of `maillab serve`', async () => {
  served = await startLabProcess();
  await breakMaildir(served.dataDir, 'default');
  const answer = await fetch(`http://127.0.0.1:${served.httpPort}/api/maildir`);
  const code = codeOf(answer.status, await answer.json());
  // The log reaches the pipe a moment after the answer.
  const logged = await served.logLine(`error ${code}`, 30_000);
  expect(logged).toMatch(/ http: GET \/api\/maildir failed \(error [0-9a-f]{8}\): Error: ENOTDIR: .*bob\/cur.* at /);
  // A line that never comes ends the wait with what the lab did log, not at the test's timeout.
  await expect(served.logLine('no such line', 1000)).rejects.toThrow(/none within 1000 ms\. The log ends:\n[^]*GET \/api\/maildir failed/);
}, 120_000);

it('writes it in classroom mode too', async () => {
  const lines: string[] = [];
  lab = await startTestLab({ mode: 'classroom', log: (component, message, level) => lines.push(`${level} ${component}: ${message}`) });
  const base = `http://127.0.0.1:${lab.httpPort}`;
  const instructor = await lab.classroom.addInstructor('Ms Wang', await hashPassword('wang password 1'));
  const klass = await lab.classroom.createClass('Logs', instructor.id);
  const joined = await fetch(`${base}/api/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: klass.joinCode, displayName: 'Ana', password: 'learner password' }) });
  expect(joined.status).toBe(201);
  const cookie = joined.headers.get('set-cookie')!.split(';')[0]!;
  const learner = (await lab.classroom.members(klass.id))[0]!;
  await breakMaildir(lab.dataDir, learner.sandboxId);
  const answer = await fetch(`${base}/api/maildir`, { headers: { cookie } });
  const code = codeOf(answer.status, await answer.json());
  expect(lines.find((line) => line.includes(`error ${code}`))).toMatch(/^error http: GET \/api\/maildir failed .*ENOTDIR[^]*at /);
});

