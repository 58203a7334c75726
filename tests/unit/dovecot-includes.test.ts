/**
 * `!include` beside the real doveconf: a pattern that names no file is "No matches" and the whole
 * file is refused; `!include_try` is not. doveconf reads each file in a copy of this machine's
 * /etc/dovecot (Debian's dovecot-core), as the lab's server's dovecot.conf. Before
 * dovecotIncludes.ts every `!include` passed the grader.
 */
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { DEBIAN_DOVECOT_FILES, includedFiles } from '../../lab-server/src/grading/config/dovecotIncludes.js';
import { runTool } from '../realtools/process.js';

const FILES = [
  '!include /nonexistent/file.conf', '!include_try /nonexistent/file.conf', '!include /etc/dovecot/conf.d/*.conf', '!include /nonexistent/*.conf',
  '!include_try /nonexistent/*.conf', '!include', '!include_try', '!include conf.d/*.conf', '!include conf.d/10-auth.conf', '!include conf.d/10-nosuch.conf',
  '!include "/etc/dovecot/conf.d/10-auth.conf"', '!include /etc/dovecot/conf.d/10-{auth,ssl}.conf', '!include /etc/dovecot/conf.d/10-{nosuch,other}.conf',
  '!include /etc/dovecot/conf.d/1?-auth.conf', '!include /etc/dovecot/conf.d/[12]0-auth.conf', '!include /etc/dovecot/conf.d/[!1]0-auth.conf',
  '!include /etc/dovecot/conf.d/99-*.conf', '!include /etc/dovecot//conf.d/10-auth.conf', '!include /etc/dovecot/./conf.d/10-auth.conf',
  '!include /etc/dovecot/conf.d/auth-*.conf.ext', '!include /etc/dovecot/conf.d/10-auth.conf # the auth settings', '!include /etc/dovecot/conf.d/10-AUTH.conf',
  '!include /etc/dovecot/dovecot-sql.conf.ext', '!include /etc/dovecot/conf.d/*.conf.ext',
  'protocol imap {\n  !include /etc/dovecot/nosuch.conf\n}',
];

let etc: string;

beforeAll(async () => {
  etc = await mkdtemp(join(tmpdir(), 'maillab-etc-dovecot-'));
  // Only the files the grader knows of; a private key this user cannot read is not one.
  for (const f of DEBIAN_DOVECOT_FILES) await cp(f, join(etc, f.slice('/etc/dovecot/'.length)), { recursive: true });
});
afterAll(async () => {
  if (etc) await rm(etc, { recursive: true, force: true });
});

async function doveconfSays(file: string): Promise<string> {
  await writeFile(join(etc, 'dovecot.conf'), `${file.replace(/\/etc\/dovecot/g, etc)}\n`);
  const real = await runTool('doveconf', ['-n', '-c', join(etc, 'dovecot.conf')]);
  return real.code === 0 ? 'takes' : (/Fatal: [^\n]*?: (.*)$/m.exec(real.stderr)?.[1] ?? real.stderr.trim());
}

describe('!include beside doveconf', () => {
  it("knows this machine's Debian files under /etc/dovecot", async () => {
    const here = [...(await readdir('/etc/dovecot/conf.d')).map((f) => `/etc/dovecot/conf.d/${f}`), ...(await readdir('/etc/dovecot')).filter((f) => f.includes('.conf')).map((f) => `/etc/dovecot/${f}`)];
    expect(here.sort()).toEqual([...DEBIAN_DOVECOT_FILES].sort());
  });

  it('refuses exactly the files doveconf refuses, quoting "No matches"', { timeout: 60_000 }, async () => {
    const verdicts: Array<{ file: string; doveconf: string; grader: string[] }> = [];
    // One at a time: each writes the copy's dovecot.conf.
    for (const file of FILES) verdicts.push({ file, doveconf: await doveconfSays(file), grader: parseDovecotConf(file).problems.map((p) => p.message.en) });
    expect(verdicts.filter((v) => (v.doveconf === 'takes') !== (v.grader.length === 0) || (v.doveconf !== 'takes' && !v.grader.some((m) => m.includes(v.doveconf))))).toEqual([]);
    expect(verdicts.filter((v) => v.doveconf === 'takes').length).toBeGreaterThan(10);
    expect(verdicts.filter((v) => v.doveconf !== 'takes').length).toBeGreaterThan(8);
  });

  it('says what to write instead, in both languages', () => {
    const [problem] = parseDovecotConf('ssl = yes\n!include conf.d/10-nosuch.conf').problems;
    expect(problem!.line).toBe(2);
    expect(problem!.message.en).toMatch(/"No matches".*conf\.d\/\*\.conf.*!include_try/);
    expect(problem!.message['zh-CN']).toMatch(/No matches.*!include_try/);
    // The answer may be a conf.d file, whose relative "!include auth-system.conf.ext" (as 10-auth.conf has it) names conf.d's.
    expect(includedFiles('auth-system.conf.ext')).toEqual(['/etc/dovecot/conf.d/auth-system.conf.ext']);
    expect(includedFiles('conf.d/10-{auth,ssl}.conf').sort()).toEqual(['/etc/dovecot/conf.d/10-auth.conf', '/etc/dovecot/conf.d/10-ssl.conf']);
    // Hostile patterns: many braces are taken as written, and a bad class names nothing.
    expect(includedFiles(`${'{a,b}'.repeat(5000)}.conf`)).toEqual([]);
    expect(includedFiles('/etc/dovecot/conf.d/[z-a].conf')).toEqual([]);
  });
});
