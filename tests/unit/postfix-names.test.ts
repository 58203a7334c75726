/**
 * The parameter names Postfix knows (postfixNames.ts), asked of the real postconf: a $name it
 * does not know expands to nothing, with "postconf: warning: ... undefined parameter: name",
 * and the graders say so where postconf does and judge the emptied value.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMainCf } from '../../lab-server/src/grading/config/mainCf.js';
import { undefinedReferences } from '../../lab-server/src/grading/config/mainCfUndefined.js';
import { gradePostfixVirtual } from '../../lab-server/src/grading/config/postfix.js';
import { POSTCONF_NAMES } from '../../lab-server/src/grading/config/postfixNames.js';
import { runTool } from '../realtools/process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-postconf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** postconf's output and warnings for a main.cf (and master.cf) of our own. */
async function postconf(mainCf: string, args: string[], masterCf = ''): Promise<{ stdout: string; undefinedNames: string[] }> {
  await writeFile(join(dir, 'main.cf'), mainCf);
  await writeFile(join(dir, 'master.cf'), masterCf);
  const r = await runTool('postconf', ['-c', dir, ...args]);
  expect(r.code, r.stderr).toBe(0);
  const undefinedNames = [...r.stderr.matchAll(/undefined parameter: (\S+)/g)].map((m) => m[1]!);
  return { stdout: r.stdout, undefinedNames: [...new Set(undefinedNames)].sort() };
}

describe('Postfix parameter names', () => {
  it('are every name "postconf -d" prints with an empty master.cf', async () => {
    const { stdout } = await postconf('', ['-d']);
    const names = stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
    expect(names.length).toBeGreaterThan(800);
    expect([...POSTCONF_NAMES].sort()).toEqual(names.sort());
  });

  it('a $name is undefined where postconf says so: not set, not postconf -d, not a service of master.cf', async () => {
    const mainCf = [
      'virtual_mailbox_maps = $nosuch, ${virtual_mailbox_mapz}:/x, $(config_dir)',
      'alias_maps = ${mail_name?hash}:/etc/aliases ${nosuch_too:hash}:/etc/aliases $$literal',
      'mine = hash:/etc/postfix/mine',
      'sender_canonical_maps = $mine $config_directory $lmtp_destination_recipient_limit $dovecot_time_limit',
      'smtpd_banner = $myhostname $virtual_maps $mydomain $constructor',
    ].join('\n');
    // Debian's master.cf has an lmtp service; the lab's exercises deliver to Dovecot by a pipe named dovecot.
    const { undefinedNames } = await postconf(mainCf, ['-n'], 'lmtp unix - - y - - lmtp\ndovecot unix - n n - - pipe flags=DRhu user=vmail argv=/bin/true\n');
    expect(undefinedNames).toEqual(['config_dir', 'constructor', 'nosuch', 'nosuch_too', 'virtual_mailbox_mapz']);
    const said = undefinedReferences(parseMainCf(mainCf)).flatMap((l) => [...l.message.en.matchAll(/\$([A-Za-z0-9_]+)/g)].map((m) => m[1]!).filter((n) => n !== 'name'));
    expect([...new Set(said)].sort()).toEqual(undefinedNames);
  });
});

describe('a $name Postfix does not know', () => {
  const base = 'virtual_mailbox_domains = example.com\nvirtual_mailbox_base = /var/mail/vhosts';
  const p = { domains: ['example.com'], base: '/var/mail/vhosts', maps: 'hash:/etc/postfix/vmailbox' };
  const codes = (lines: Awaited<ReturnType<typeof gradePostfixVirtual>>) => lines.filter((l) => l.level !== 'ok').map((l) => `${l.level}:${l.code}`);

  it('expands to nothing and is judged so: "$nosuch:/etc/postfix/vmailbox" is ":/etc/postfix/vmailbox", which stops smtpd', async () => {
    // The real smtpd: "fatal: open dictionary: expecting "type:name" form instead of ":/..."" (differential corpus).
    const lines = await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps = $nosuch:/etc/postfix/vmailbox`, p);
    expect(codes(lines)).toEqual(['warn:postfix.undefined-parameter', 'error:postfix.bad-table']);
    expect(lines[0]!.message.en).toMatch(/^Line 3: virtual_mailbox_maps names \$nosuch, .* expands to nothing \("postconf: warning: undefined parameter: nosuch"\)/);
    expect(lines[0]!.message['zh-CN']).toMatch(/展开后什么都没有/);
    expect(lines.find((l) => l.code === 'postfix.bad-table')!.message.en).toMatch(/instead of ":\/etc\/postfix\/vmailbox"/);
  });

  it('alone, leaves the table list empty, said as such; beside a table it costs nothing but the warning, with the name meant', async () => {
    const empty = await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps = $nosuch`, p);
    expect(codes(empty)).toEqual(['warn:postfix.undefined-parameter', 'error:postfix.vmaps-unset']);
    expect(empty.find((l) => l.code === 'postfix.vmaps-unset')!.message.en).toMatch(/^"virtual_mailbox_maps = \$nosuch" is empty once its \$names are expanded/);
    const beside = await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps = hash:/etc/postfix/vmailbox, \${virtual_mailbox_mapz}`, p);
    expect(codes(beside)).toEqual(['warn:postfix.undefined-parameter']);
    expect(beside[0]!.hint!.en).toMatch(/^Did you mean \$virtual_mailbox_maps\?/);
  });

  it('met as ${name:value}, gives the value, and is said so; an empty value is said as empty, not as expanded', async () => {
    const fallback = await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps = \${nosuch:hash}:/etc/postfix/vmailbox`, p);
    expect(codes(fallback)).toEqual(['warn:postfix.undefined-parameter']);
    expect(fallback[0]!.message.en).toMatch(/so \$\{nosuch:\.\.\.\} gives the text after its ":" \("postconf: warning: undefined parameter: nosuch"\)/);
    expect(fallback[0]!.message.en).not.toMatch(/nothing/);
    expect(fallback[0]!.message['zh-CN']).not.toMatch(/什么都没有/);
    const both = await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps = hash:/etc/postfix/vmailbox \${nosuch:hash}:/etc/postfix/vmailbox $nosuch2`, p);
    expect(both[0]!.message.en).toMatch(/names \$nosuch, \$nosuch2, but Postfix has no such parameters .* so \$nosuch2 expands to nothing, and \$\{nosuch:\.\.\.\} gives/);
    for (const [value, said] of [['', '"virtual_mailbox_maps =" is empty,'], [' ,', '"virtual_mailbox_maps = ," is empty,']] as const) {
      const empty = await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps =${value}`, p);
      const unset = empty.find((l) => l.code === 'postfix.vmaps-unset')!;
      expect(unset.message.en.startsWith(said), unset.message.en).toBe(true);
      expect(unset.message['zh-CN']).toMatch(/是空的/);
    }
  });

  it('but one Postfix knows with a default the grader does not hold is still left unjudged', async () => {
    expect(codes(await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps = hash:/etc/postfix/vmailbox\nalias_maps = $(mail_name):/etc/aliases, $lmtp_destination_recipient_limit:/x`, p))).toEqual([]);
  });
});
