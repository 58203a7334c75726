/**
 * An instructor arms a fault for a whole class: every learner's sandbox gets it, learners see
 * it but cannot disarm it, their terminals meet it, and the shared world outside is untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { TerminalClient } from '../helpers/terminal.js';

describe('an instructor arms faults for a class', () => {
  let classLab: TestLab;
  const at = (path: string) => `http://127.0.0.1:${classLab.httpPort}${path}`;
  const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const call = async (method: string, path: string, cookie: string, body?: unknown) => {
    const res = await fetch(at(path), { method, headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as any };
  };
  beforeAll(async () => {
    classLab = await startTestLab({ mode: 'classroom' });
  });
  afterAll(async () => {
    await classLab?.dispose();
  });

  it("arms the whole class's sandboxes, which the learners see but cannot disarm, and only there", async () => {
    const { hashPassword } = await import('../../lab-server/src/classroom/passwords.js');
    classLab.classroom.addInstructor('Ms Wang', await hashPassword('correct horse battery'));
    classLab.classroom.addInstructor('Mr Li', await hashPassword('another long password'));
    const login = async (name: string, password: string) => cookieOf(await fetch(at('/api/instructor/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) }));
    const wang = await login('Ms Wang', 'correct horse battery');
    const li = await login('Mr Li', 'another long password');
    const klass = (await call('POST', '/api/classes', wang, { name: 'Mail 101' })).json.class;
    const learners: string[] = [];
    for (const name of ['Ana', 'Bo']) {
      const joined = await fetch(at('/api/join'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: klass.joinCode, displayName: name, password: `pw-of-${name}-123` }) });
      expect(joined.status).toBe(201);
      learners.push(cookieOf(joined));
    }

    const spec = { kind: 'reply', host: 'mail.example.com', step: 'greeting', code: 421 };
    expect((await call('PUT', '/api/faults', li, { class: klass.id, faults: [spec] })).status).toBe(404);
    const armedForClass = await call('PUT', '/api/faults', wang, { class: klass.id, faults: [spec] });
    expect(armedForClass.status).toBe(200);
    expect(armedForClass.json.learners.map((l: { displayName: string }) => l.displayName)).toEqual(['Ana', 'Bo']);
    expect((await call('GET', `/api/faults?class=${klass.id}`, wang)).json.learners[1].faults).toMatchObject([{ armedBy: 'instructor', spec }]);

    // A learner sees the instructor's fault, and replacing their own faults leaves it armed.
    expect((await call('PUT', '/api/faults', learners[0]!, { faults: [] })).json.faults).toMatchObject([{ armedBy: 'instructor' }]);
    // Their terminal on port 25, handed into their own sandbox, meets it.
    const terminal = await TerminalClient.open(classLab.httpPort, 'smtp', { cookie: learners[0]! });
    try {
      expect(await terminal.expect(/421 /)).toMatch(/421 4\.3\.2 mail\.example\.com Service not available/);
    } finally {
      terminal.close();
    }
    // The shared default world that port 25 serves from outside is untouched.
    const outside = await python("import smtplib\ns = smtplib.SMTP('127.0.0.1', P['port'], timeout=10)\nprint(s.noop()[0])\ns.quit()", { port: classLab.port('smtp') });
    expect(outside.stdout.trim()).toBe('250');

    expect((await call('PUT', '/api/faults', wang, { class: klass.id, faults: [] })).json.learners[0].faults).toEqual([]);
  });
});
