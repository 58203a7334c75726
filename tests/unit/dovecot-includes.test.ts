/**
 * `!include` beside the real doveconf: a pattern that names no file is "No matches" and the whole
 * file is refused; `!include_try` is not. doveconf reads each file in a copy of this machine's
 * /etc/dovecot (Debian's dovecot-core), as the lab's server's dovecot.conf. Before
 * dovecotIncludes.ts every `!include` passed the grader; before round 16 a relative path was
 * also tried from conf.d, a directory was "No matches", and the included files' settings
 * counted for nothing.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDovecotConf, setting } from '../../lab-server/src/grading/config/dovecotConf.js';
import { DEBIAN_DOVECOT_TEXT } from '../../lab-server/src/grading/config/dovecotDebianFiles.js';
import { DOVECOT_DEFAULTS } from '../../lab-server/src/grading/config/dovecotDefaults.js';
import { grade } from '../../lab-server/src/grading/graders.js';
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
  // Relative to the including file's directory only: conf.d's files are not dovecot.conf's neighbours.
  '!include 10-auth.conf', '!include auth-system.conf.ext', '!include_try 10-auth.conf', '!include ./conf.d/10-auth.conf',
  // A directory reads as nothing; the answer itself, or a file named twice, is open already.
  '!include conf.d', '!include conf.d/', '!include_try conf.d', '!include /etc/dovecot', '!include dovecot.conf', '!include /etc/dovecot/*',
  '!include conf.d/10-{auth,auth}.conf', '!include conf.d/10-auth.conf\n!include conf.d/10-auth.conf',
  // What the included files hold counts: not dovecot.conf's syntax, or settings that meet the answer's.
  '!include dovecot-dict-auth.conf.ext', '!include dovecot-sql.conf.ext', '!include conf.d/*.conf\nprotocols = imap\nservice imap-login {\n  inet_listener imap {\n    port = 993\n  }\n}',
  '!include conf.d/*.conf\nssl = no', 'ssl = required\n!include conf.d/10-ssl.conf', '!include conf.d/*.conf\nauth_mechanisms = $auth_mechanisms login',
  // plugin { } holds no section, written or included.
  'plugin {\n  quota {\n  }\n}', 'local 127.0.0.1 {\n  plugin {\n    x {\n    }\n  }\n}', 'plugin {\n!include conf.d/90-quota.conf\n}',
];

/** Values doveconf -n prints (the default when it prints none), beside the grader's last value. */
const VALUES: Array<[file: string, key: string]> = [
  ['mail_location = maildir:~/Maildir\n!include conf.d/*.conf', 'mail_location'],
  ['!include conf.d/*.conf\nmail_location = maildir:~/Maildir', 'mail_location'],
  ['auth_mechanisms = plain login\n!include conf.d/10-auth.conf', 'auth_mechanisms'],
  ['!include conf.d/*.conf\nauth_mechanisms = $auth_mechanisms login', 'auth_mechanisms'],
  ['ssl = no\n!include conf.d/10-{master,ssl}.conf', 'ssl'],
  ['!include conf.d/*.conf', 'mail_privileged_group'],
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

async function doveconfRuns(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  await writeFile(join(etc, 'dovecot.conf'), `${file.replace(/\/etc\/dovecot/g, etc)}\n`);
  const real = await runTool('doveconf', ['-n', '-c', join(etc, 'dovecot.conf')]);
  return { code: real.code, stdout: real.stdout.replaceAll(etc, '/etc/dovecot'), stderr: real.stderr.replaceAll(etc, '/etc/dovecot') };
}

async function doveconfSays(file: string): Promise<string> {
  const real = await doveconfRuns(file);
  return real.code === 0 ? 'takes' : (/Fatal: [^\n]*?: (.*)$/m.exec(real.stderr)?.[1] ?? real.stderr.trim());
}

describe('!include beside doveconf', () => {
  it("knows this machine's Debian files under /etc/dovecot, and what they hold", async () => {
    const here = [...(await readdir('/etc/dovecot/conf.d')).map((f) => `/etc/dovecot/conf.d/${f}`), ...(await readdir('/etc/dovecot')).filter((f) => f.includes('.conf')).map((f) => `/etc/dovecot/${f}`)];
    expect(here.sort()).toEqual([...DEBIAN_DOVECOT_FILES].sort());
    for (const f of DEBIAN_DOVECOT_FILES) {
      // Each with its number in the file: a problem in one is told by its file and line, as doveconf tells it.
      const lines = (await readFile(f, 'utf8')).split('\n').map((l, i) => `${i + 1} ${l.trimEnd()}`).filter((l) => !/^\d+ \s*(#|$)/.test(l));
      expect(DEBIAN_DOVECOT_TEXT.get(f)!.split('\n').filter((l) => l !== ''), f).toEqual(lines);
    }
  });

  it('refuses exactly the files doveconf refuses, quoting "No matches"', { timeout: 60_000 }, async () => {
    const verdicts: Array<{ file: string; doveconf: string; grader: string[] }> = [];
    // One at a time: each writes the copy's dovecot.conf.
    for (const file of FILES) verdicts.push({ file, doveconf: await doveconfSays(file), grader: parseDovecotConf(file).problems.map((p) => p.message.en) });
    expect(verdicts.filter((v) => (v.doveconf === 'takes') !== (v.grader.length === 0) || (v.doveconf !== 'takes' && !v.grader.some((m) => m.includes(v.doveconf))))).toEqual([]);
    expect(verdicts.filter((v) => v.doveconf === 'takes').length).toBeGreaterThan(10);
    expect(verdicts.filter((v) => v.doveconf !== 'takes').length).toBeGreaterThan(8);
  });

  it('counts the settings of the files it includes, as doveconf does', { timeout: 60_000 }, async () => {
    const compared: Array<{ file: string; doveconf: string | string[]; grader: string | string[] | undefined }> = [];
    for (const [file, key] of VALUES) {
      const real = await doveconfRuns(file);
      const printed = new RegExp(`^${key} = (.*)$`, 'm').exec(real.stdout)?.[1];
      compared.push({ file, doveconf: printed ?? DOVECOT_DEFAULTS.get(key) ?? '', grader: setting(parseDovecotConf(file), key)?.value ?? DOVECOT_DEFAULTS.get(key) ?? '' });
    }
    // The passdbs and userdbs, in order: Debian's auth-system.conf.ext adds pam and passwd before the answer's.
    const auth = '!include conf.d/*.conf\npassdb {\n  driver = passwd-file\n  args = /etc/dovecot/users\n}\nuserdb {\n  driver = static\n  args = uid=vmail gid=vmail home=/srv/%u\n}';
    const real = await doveconfRuns(auth);
    const drivers = (text: string): string[] => [...text.matchAll(/^(passdb|userdb) \{\n\s+(?:args = .*\n\s+)?driver = (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    // doveconf -n prints the passdbs, then the userdbs, each in the order they are tried.
    const grader = ['passdb', 'userdb'].flatMap((db) => parseDovecotConf(auth).settings.filter((x) => x.key === 'driver' && x.path.length === 1 && x.path[0] === db).map((x) => `${db} ${x.value}`));
    compared.push({ file: auth, doveconf: drivers(real.stdout), grader });
    expect(compared.filter((c) => JSON.stringify(c.doveconf) !== JSON.stringify(c.grader))).toEqual([]);
    expect(grader).toEqual(['passdb pam', 'passdb passwd-file', 'userdb passwd', 'userdb static']);
  });

  it("grades an answer with Debian's files included as Dovecot would run it", async () => {
    const verdicts: Record<string, boolean | string[]> = {};
    for (const id of ['dovecot-maildir', 'dovecot-auth', 'dovecot-tls']) {
      const ex = JSON.parse(await readFile(`exercises/${id}.json`, 'utf8')) as { grader: { name: string; params: Record<string, unknown> }; solution: string[] };
      const solution = ex.solution.join('\n');
      for (const [where, answer] of [['first', `!include conf.d/*.conf\n${solution}`], ['last', `${solution}\n!include conf.d/*.conf`]] as const) {
        const r = await grade(ex.grader.name, ex.grader.params, answer, {});
        verdicts[`${id} ${where}`] = r.passed || r.feedback.filter((f) => f.level === 'error').map((f) => f.code);
      }
    }
    // Included last, 10-mail.conf sets mbox again and 10-ssl.conf Debian's own certificate; the
    // answer's passdb and userdb still come first (Debian's pam and passwd after them).
    expect(verdicts).toEqual({
      'dovecot-maildir first': true, 'dovecot-maildir last': ['dovecot.format'],
      'dovecot-auth first': true, 'dovecot-auth last': true,
      'dovecot-tls first': true, 'dovecot-tls last': ['dovecot.cert-path', 'dovecot.cert-path'],
    });
  });

  it("names the included file and its own line where doveconf's refusal stands, in both languages", { timeout: 60_000 }, async () => {
    const cases = [
      '!include dovecot-dict-auth.conf.ext', '!include dovecot-dict-sql.conf.ext', 'service imap {\n!include conf.d/10-mail.conf\n}',
      'namespace inbox {\n!include conf.d/15-mailboxes.conf\n}', 'passdb {\n  driver = pam\n  !include conf.d/10-ssl.conf\n}',
      '!include conf.d/*.conf\nservice auth {\n  !include conf.d/auth-system.conf.ext\n}',
      // A section in plugin { } (review 17, LOW, before 4bf4678 too): 90-quota.conf line 17 is "plugin {".
      'plugin {\n!include conf.d/90-quota.conf\n}',
      // Refused by the filter checks: an auth setting in local/remote, a protocol in a protocol.
      'local 127.0.0.1 {\n!include conf.d/10-ssl.conf\n}', 'remote 10.0.0.0/8 {\n!include conf.d/10-auth.conf\n}',
      'protocol imap {\n!include conf.d/20-imap.conf\n}', 'protocol !imap {\n!include conf.d/10-mail.conf\n}',
    ];
    const missed: Array<{ file: string; doveconf: string; grader: string[] }> = [];
    for (const file of cases) {
      const real = await doveconfRuns(file);
      const [, where, line, said] = /Error in configuration file (\S+) line (\d+): (.*)$/m.exec(real.stderr) ?? [];
      const problems = parseDovecotConf(file).problems;
      const told = problems.find((p) => p.included?.file === where && p.included?.line === Number(line));
      // At the !include's line in the answer, naming the file and line doveconf names, and what doveconf says.
      const include = file.split('\n').map((l) => l.includes('!include')).lastIndexOf(true) + 1;
      if (!where || !told || told.line !== include || !told.message.en.startsWith(`In ${where} line ${line}, `) || !told.message.en.includes(said!) || !told.message['zh-CN'].startsWith(`在 ${where} 第 ${line} 行`) || !/Move the !include/.test(told.message.en) || !/移动 !include/.test(told.message['zh-CN'])) {
        missed.push({ file, doveconf: real.stderr.trim(), grader: problems.map((p) => `${p.line}: ${p.message.en.slice(0, 120)}`) });
      }
    }
    expect(missed).toEqual([]);
    // The answer's own lines name no other file.
    expect(parseDovecotConf('ssl = maybe\n!include conf.d/10-auth.conf').problems.map((p) => [p.line, p.included, p.message.en.startsWith('In ')])).toEqual([[1, undefined, false]]);
  });

  it("says which included file sets a value the grader finds wrong, and at which line", async () => {
    const ex = JSON.parse(await readFile('exercises/dovecot-tls.json', 'utf8')) as { grader: { name: string; params: Record<string, unknown> }; solution: string[] };
    const answer = `${ex.solution.join('\n')}\n!include conf.d/*.conf`;
    const r = await grade(ex.grader.name, ex.grader.params, answer, {});
    const at = answer.split('\n').length;
    const cert = r.feedback.find((f) => f.code === 'dovecot.cert-path')!;
    expect(cert.message.en).toContain(`set last by /etc/dovecot/conf.d/10-ssl.conf line 12, which the !include on line ${at} reads`);
    expect(cert.message['zh-CN']).toContain(`/etc/dovecot/conf.d/10-ssl.conf 第 12 行，由第 ${at} 行的 !include 读入`);
    const mail = JSON.parse(await readFile('exercises/dovecot-maildir.json', 'utf8')) as typeof ex;
    const format = (await grade(mail.grader.name, mail.grader.params, `${mail.solution.join('\n')}\n!include conf.d/10-mail.conf`, {})).feedback.find((f) => f.code === 'dovecot.format')!;
    expect(format.message.en).toContain('set last by /etc/dovecot/conf.d/10-mail.conf line 30');
    expect(format.message['zh-CN']).toContain('/etc/dovecot/conf.d/10-mail.conf 第 30 行');
  });

  it('refuses "key = <directory" as Dovecot does when it starts (doveconf -x), in its words', { timeout: 60_000 }, async () => {
    const cases = ['ssl_cert = <', 'ssl_cert = <conf.d', 'ssl_cert = <  conf.d/', 'ssl_cert = </etc/dovecot/conf.d/', 'protocol imap {\n  ssl_cert = <./conf.d\n}', 'ssl_cert = "<"', 'ssl_cert = <conf.d/10-ssl.conf', 'ssl_key = </etc/dovecot/conf.d/10-ssl.conf'];
    const differ: Array<{ file: string; doveconf: string; grader: string[] }> = [];
    for (const file of cases) {
      await writeFile(join(etc, 'dovecot.conf'), `${file.replace(/\/etc\/dovecot/g, etc)}\n`);
      const real = await runTool('doveconf', ['-x', '-n', '-c', join(etc, 'dovecot.conf')]);
      const said = real.code === 0 ? 'takes' : (/Fatal: [^\n]*? line \d+: [a-z_]+: (.*)$/m.exec(real.stderr.replaceAll(etc, '/etc/dovecot'))?.[1] ?? real.stderr);
      const grader = parseDovecotConf(file).problems.map((p) => p.message.en);
      if ((said === 'takes') !== (grader.length === 0) || (said !== 'takes' && !grader.some((m) => m.includes(`("${said}")`)))) differ.push({ file, doveconf: said, grader });
    }
    expect(differ).toEqual([]);
    const [dir] = parseDovecotConf('ssl_cert = <conf.d').problems;
    expect(dir!.message.en).toMatch(/\/etc\/dovecot\/conf\.d is a directory.*Write the file's path after "<"/);
    expect(dir!.message['zh-CN']).toMatch(/是一个目录.*请在 "<" 后面写文件的路径/);
  });

  it('says what to write instead, in both languages', () => {
    const [problem] = parseDovecotConf('ssl = yes\n!include conf.d/10-nosuch.conf').problems;
    expect(problem!.line).toBe(2);
    expect(problem!.message.en).toMatch(/"No matches".*conf\.d\/\*\.conf.*!include_try/);
    expect(problem!.message['zh-CN']).toMatch(/No matches.*!include_try/);
    // A relative path is the including file's neighbour: 10-auth.conf's "!include auth-system.conf.ext" names conf.d's, dovecot.conf's none.
    expect(includedFiles('auth-system.conf.ext', '/etc/dovecot/conf.d/10-auth.conf')).toEqual(['/etc/dovecot/conf.d/auth-system.conf.ext']);
    expect(includedFiles('auth-system.conf.ext')).toEqual([]);
    const [elsewhere] = parseDovecotConf('!include 10-auth.conf').problems;
    expect(elsewhere!.message.en).toMatch(/from the including file's directory, \/etc\/dovecot: .*"!include conf\.d\/10-auth\.conf"/);
    expect(elsewhere!.message['zh-CN']).toMatch(/相对路径.*conf\.d\/10-auth\.conf/);
    const [again] = parseDovecotConf('!include dovecot.conf').problems;
    expect(again!.message['zh-CN']).toMatch(/Recursive include file: \/etc\/dovecot\/dovecot\.conf/);
    expect(includedFiles('conf.d/10-{auth,ssl}.conf').sort()).toEqual(['/etc/dovecot/conf.d/10-auth.conf', '/etc/dovecot/conf.d/10-ssl.conf']);
    // Hostile patterns: many braces are taken as written, and a bad class names nothing.
    expect(includedFiles(`${'{a,b}'.repeat(5000)}.conf`)).toEqual([]);
    expect(includedFiles('/etc/dovecot/conf.d/[z-a].conf')).toEqual([]);
  });
});
