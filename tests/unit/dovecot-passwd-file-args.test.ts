/**
 * A passwd-file passdb's args as Dovecot 2.3 reads them (passdb-passwd-file.c; each case run on
 * the real Dovecot by the differential judge): scheme= and username_format= until a word starts
 * with "/", the rest of the line being the file's name; any other word stops the auth process
 * ("passdb passwd-file: Unknown setting"). The grader took key=value words anywhere and the last
 * other word for the file: "/etc/dovecot/users scheme=SSHA512", "SCHEME=SSHA512 /etc/..." and
 * two blanks before the file all passed, where nobody can log in; "/etc/dovecot//users" failed.
 */
import { describe, expect, it } from 'vitest';
import { gradeDovecotAuth } from '../../lab-server/src/grading/config/dovecotAuth.js';
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';

async function graded(args: string) {
  const exercise = (await ExerciseCatalog.load()).get('dovecot-auth')!;
  const answer = (exercise.solution as string).replace('args = scheme=SSHA512 username_format=%u /etc/dovecot/users', `args = ${args}`);
  return (await gradeDovecotAuth(answer, exercise.grader.params as never)).filter((l) => l.level === 'error');
}

describe("a passwd-file passdb's args", () => {
  it('stop the auth process on a word that is no option, said with what Dovecot logs, in both languages', async () => {
    const [e] = await graded('SCHEME=SSHA512 /etc/dovecot/users');
    expect(e!.code).toBe('auth.passdb-args');
    expect(e!.message.en).toMatch(/hold "SCHEME", which passwd-file does not know.*"passdb passwd-file: Unknown setting: SCHEME"/);
    expect(e!.message['zh-CN']).toMatch(/passwd-file 不认识它/);
    expect(e!.hint!.en).toBe('Write "args = scheme=SSHA512 username_format=%u /etc/dovecot/users".');
    expect((await graded('scheme=SSHA512  /etc/dovecot/users'))[0]!.message.en).toMatch(/" \/etc\/dovecot\/users" \(two blanks in a row/);
    expect((await graded('scheme=SSHA512 etc/dovecot/users'))[0]!.code).toBe('auth.passdb-args');
  });

  it('take everything from the "/" on as the file name, which may be spelt with "//"', async () => {
    const [e] = await graded('/etc/dovecot/users scheme=SSHA512');
    expect(e!.code).toBe('auth.passdb-path');
    expect(e!.message.en).toMatch(/reads \/etc\/dovecot\/users scheme=SSHA512 \(everything after the "\/" is the file's name/);
    expect(await graded('scheme=SSHA512 username_format=%u /etc/dovecot//users')).toEqual([]);
    expect(await graded('username_format=%u scheme=SSHA512 /etc/dovecot/users')).toEqual([]);
  });
});
