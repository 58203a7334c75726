/**
 * The setting names Dovecot 2.3 knows (dovecotNames.ts), asked of the real doveconf: doveconf
 * refuses the whole file for any other ("Unknown setting: mail_locaton"), and the grader must
 * refuse the same files, quoting doveconf, with what to write instead. Review 14: the
 * dovecot-maildir solution with "mail_locaton = maildir:~/Maildir" added before its mail_location
 * line was graded passed, and so were "foo = 1", "protocol imap { foo = 1 }", "service imap {
 * mail_location = x }" and "namespace inbox { foo = 1 }".
 */
import { describe, expect, it } from 'vitest';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { DOVECOT_OBSOLETE_NAMES, DOVECOT_SETTING_NAMES, DOVECOT_UNPRINTED_NAMES } from '../../lab-server/src/grading/config/dovecotNames.js';
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';
import { grade } from '../../lab-server/src/grading/graders.js';
import { doveconf } from '../realtools/dovecot.js';
import { doveconfSettings, PLACED, STATS_SECTIONS } from '../realtools/doveconfSettings.js';
import { inPool } from '../realtools/process.js';

const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter(Boolean);

/** doveconf's "Unknown setting: ..." for a file, or undefined when it names none. */
async function unknownByDoveconf(file: string): Promise<string | undefined> {
  return /Unknown setting: (.*)$/m.exec((await doveconf(`${file}\n`)).stderr)?.[1];
}

/** The grader's quotes of doveconf's "Unknown setting" for a file. */
function unknownByGrader(file: string): string[] {
  return parseDovecotConf(file).problems.flatMap((p) => /\("Unknown setting: ([^"]*)"\)/.exec(p.message.en)?.[1] ?? []);
}

/** In each kind of section: a made-up name, a typo of a known one, and that known one. */
const PER_KIND = Object.entries(PLACED).flatMap(([kind, place]) => {
  const known = [...DOVECOT_SETTING_NAMES.get(kind)!].find((n) => n.length > 4 && !words(DOVECOT_UNPRINTED_NAMES[kind]).includes(n))!;
  return [place('foo_bar = 1'), place(`${known.slice(0, 2)}${known.slice(3)} = 1`), place(`${known} =`)];
});

/** Unknown names and sections where learners write them, and near files doveconf takes. */
const FILES = [
  'mail_locaton = maildir:~/Maildir\nmail_location = maildir:~/Maildir',
  'foo = 1',
  'protocol imap {\n  foo = 1\n}',
  'local 10.0.0.1 {\n  protocol imap {\n    mail_plugin = quota\n  }\n}',
  'remote 10.0.0.0/8 {\n  foo = 1\n}',
  'local_name mail.example.com {\n  ssl_cret = </etc/ssl/x.pem\n}',
  'service imap {\n  mail_location = maildir:~/Maildir\n}',
  'service imap-login {\n  inet_listener imap {\n    prot = 143\n  }\n}',
  'namespace inbox {\n  inbox = yes\n  foo = 1\n}',
  'protocol imap {\n  namespace inbox {\n    inbox = yes\n    seperator = /\n  }\n}',
  'namespace inbox {\n  inbox = yes\n  mailbox Sent {\n    special-use = \\Sent\n  }\n}',
  'passdb {\n  driver = static\n  arg = password=x\n}',
  'userdb {\n  driver = static\n  fields {\n    uid = 1000\n  }\n}',
  'namspace inbox {\n  inbox = yes\n}',
  'mailbox Sent {\n}',
  'service imap {\n  service pop3 {\n  }\n}',
  'metric m {\n  filter = event=x\n  foo {\n  }\n}',
  'mail_driver = maildir\nmail_path = ~/Maildir',
  'auth_allow_cleartext = yes',
  // A plugin's settings outside plugin { } (review 14 on 82b5109).
  'quota_rule = *:storage=1G',
  'protocol lmtp {\n  sieve_before = /var/lib/dovecot/sieve/before.sieve\n}',
  'mail_crypt_global_private_key = </etc/dovecot/private.pem',
  'plugin {\n  quota_rule = *:storage=1G\n  sieve_before = /var/lib/dovecot/sieve/before.sieve\n}',
  // doveconf takes these: names of one's own, names it never prints, old names, an old section.
  'plugin {\n  quota = maildir:User quota\n  foo_bar = 1\n}',
  'dict {\n  quota = sqlite:/etc/dovecot/dict.conf\n}',
  'protocol imap {\n  plugin {\n    foo = 1\n  }\n}',
  'namespace a {\n  prefix = a/\n}\nnamespace b {\n  prefix = b/\n  alias_for = a/\n}\nnamespace inbox {\n  inbox = yes\n}',
  'auth default {\n  mechanisms = plain\n}',
  'ssl_protocols = !SSLv3\nmail_cache_compress_min_size = 1k\nlogin_user = dovenull',
  'mail_cache_purge_delete_percentage = 20\nmail_index_rewrite_min_log_bytes = 8k',
  'service auth {\n  unix_listener /var/spool/postfix/private/auth {\n    path = x\n    mode = 0660\n  }\n}',
  'namespace inbox {\n  inbox = yes\n  protocol imap {\n  }\n}',
  'plugin = x\nnamespace = x\nservice imap {\n  inet_listener = x\n}',
];

describe('Dovecot setting names', () => {
  it('are every name doveconf prints with -s, in each kind of section, and those it takes without printing', { timeout: 120_000 }, async () => {
    const printed = await doveconfSettings({ hidden: true, extra: STATS_SECTIONS });
    expect(printed.get('')!.size).toBeGreaterThan(300);
    for (const kind of Object.keys(PLACED)) {
      const ours = [...(DOVECOT_SETTING_NAMES.get(kind) ?? [])].filter((n) => !words(DOVECOT_UNPRINTED_NAMES[kind]).includes(n)).sort();
      expect(ours, kind).toEqual([...(printed.get(kind)?.keys() ?? [])].sort());
    }
    // Names doveconf takes without printing, and the old names it warns of: none is unknown to it.
    const asked = [...Object.entries(DOVECOT_UNPRINTED_NAMES).flatMap(([kind, names]) => words(names).map((name) => ({ kind, name }))), ...[...DOVECOT_OBSOLETE_NAMES].map((name) => ({ kind: '', name }))];
    const refused = (await inPool(asked, 4, async ({ kind, name }) => ({ kind, name, said: await unknownByDoveconf(PLACED[kind]!(`${name} =`)) }))).filter((v) => v.said !== undefined);
    expect(refused).toEqual([]);
  });

  it('are refused by the grader exactly where doveconf refuses them, quoting its words', { timeout: 120_000 }, async () => {
    const verdicts = await inPool([...FILES, ...PER_KIND], 4, async (file) => ({ file, doveconf: await unknownByDoveconf(file), grader: unknownByGrader(file) }));
    const disagreements = verdicts.filter((v) => (v.doveconf === undefined ? v.grader.length !== 0 : v.grader[0] !== v.doveconf));
    expect(disagreements).toEqual([]);
    // Both kinds were asked.
    expect(verdicts.filter((v) => v.doveconf === undefined).length).toBeGreaterThan(20);
    expect(verdicts.filter((v) => v.doveconf !== undefined).length).toBeGreaterThan(30);
  });

  it('say what to write instead, in both languages', () => {
    const say = (file: string) => parseDovecotConf(file).problems[0]!.message;
    const typo = say('mail_locaton = maildir:~/Maildir');
    expect(typo.en).toMatch(/doveconf refuses the whole file \("Unknown setting: mail_locaton"\).*Did you mean mail_location\?/);
    expect(typo['zh-CN']).toMatch(/拒绝整个文件.*是不是想写 mail_location？/);
    expect(say('service imap {\n  mail_location = x\n}').en).toMatch(/mail_location belongs at the top level.*move the line there/);
    expect(say('service imap {\n  mail_location = x\n}')['zh-CN']).toMatch(/应该写在顶层/);
    expect(say('mail_driver = maildir').en).toMatch(/Dovecot 2\.4's name: write 2\.3's mail_location.*dovecot_config_version = 2\.4\.0/);
    expect(say('namspace inbox {\n}').en).toMatch(/no section "namspace".*Did you mean "namespace \{"\?/);
    expect(say('mailbox Sent {\n}')['zh-CN']).toMatch(/mailbox \{ \} 应该写在namespace \{ \} 里/);
    // A plugin's setting: where it goes and what loads it, not "remove the line" (review 14 on 82b5109).
    const quota = say('protocol lmtp {\n  quota_rule = *:storage=1G\n}');
    expect(quota.en).toMatch(/quota_rule is a setting of the quota plugin.*inside plugin \{ \}.*name quota in mail_plugins/);
    expect(quota['zh-CN']).toMatch(/quota 插件的设置.*plugin \{ \}.*mail_plugins/);
    expect(say('sieve_before = /x').en).toMatch(/the sieve plugin/);
    // "foo" is no typo of "ssl": a short name gets no far-fetched guess.
    expect(say('foo = 1').en).toMatch(/Check the name in "doveconf -a"/);
    // A 2.4 file is not judged by 2.3's names (no 2.4 doveconf was asked).
    expect(parseDovecotConf('dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\nmail_driver = maildir\nmail_path = ~/Maildir').problems).toEqual([]);
  });

  it('fail the dovecot-maildir exercise with a misspelt setting, as the reviewer found it passed', async () => {
    const exercise = (await ExerciseCatalog.load()).list.find((e) => e.id === 'dovecot-maildir')!;
    const solution = exercise.solution as string;
    expect((await grade(exercise.grader.name, exercise.grader.params, solution, {})).passed).toBe(true);
    const answer = solution.replace('mail_location', 'mail_locaton = maildir:~/Maildir\nmail_location');
    expect(await unknownByDoveconf(answer)).toBe('mail_locaton');
    const r = await grade(exercise.grader.name, exercise.grader.params, answer, {});
    expect(r.passed).toBe(false);
    expect(r.feedback.find((f) => f.level === 'error')!.message.en).toMatch(/Unknown setting: mail_locaton.*Did you mean mail_location\?/);
  });
});
