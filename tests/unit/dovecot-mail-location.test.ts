/**
 * mail_location's parameters as Dovecot 2.3 reads them (mailbox_list_settings_parse compares
 * them as written; the differential judge ran each on the real Dovecot): "layout=fs" and
 * "inbox=" are unknown ("Unknown setting: layout"), a layout other than maildir++ (index,
 * imapdir, "Maildir++") finds none of the lab's folders, DIRNAME cannot go with Maildir++, and
 * INBOX may use the home, BROKENCHAR is one character, ITERINDEX needs INDEX=<dir>. The grader
 * passed LAYOUT=index, LAYOUT=Maildir++, DIRNAME, BROKENCHAR=% and ITERINDEX alone, and failed
 * ("could not finish") on INBOX=~/...
 */
import { describe, expect, it } from 'vitest';
import { gradeDovecotMaildir } from '../../lab-server/src/grading/config/dovecot.js';

const PARAMS = { version: '2.3' as const, base: '/var/mail/vhosts', maildir: 'Maildir', home: true };
const graded = async (params: string) => (await gradeDovecotMaildir(`mail_home = /var/mail/vhosts/%d/%n\nmail_location = maildir:~/Maildir${params}`, PARAMS)).filter((l) => l.level === 'error');

describe("mail_location's parameters", () => {
  it('are names Dovecot knows, as written: said with the upper-case name to write, in both languages', async () => {
    const [e] = await graded(':layout=fs');
    expect(e!.code).toBe('dovecot.location-parameter');
    expect(e!.message.en).toMatch(/Dovecot knows no parameter "layout" \(its names are upper case: LAYOUT\).*"Unknown setting: layout"/);
    expect(e!.message['zh-CN']).toMatch(/Dovecot 不认识参数 "layout"（参数名是大写的：LAYOUT）/);
    expect(e!.hint!.en).toBe('Write LAYOUT=fs, or remove it.');
    expect((await graded(':NOSUCH'))[0]!.hint!.en).toBe('Remove ":NOSUCH" from mail_location.');
  });

  it('keep the maildir++ layout, in lower case, and no DIRNAME', async () => {
    for (const layout of ['index', 'imapdir', 'Maildir++', 'fs']) expect((await graded(`:LAYOUT=${layout}`)).map((l) => l.code), layout).toEqual(['dovecot.layout']);
    expect((await graded(':LAYOUT=Maildir++'))[0]!.message.en).toMatch(/only as "maildir\+\+", in lower case/);
    const [dirname] = await graded(':DIRNAME=mails');
    expect(dirname!.message.en).toMatch(/"maildir_name not supported by this driver"/);
    expect(dirname!.message['zh-CN']).toMatch(/Maildir\+\+ 布局下/);
    expect(await graded(':LAYOUT=maildir++:INDEX=MEMORY:UTF-8::')).toEqual([]);
  });

  it('give BROKENCHAR one character after the variables, and ITERINDEX an index directory, as the real Dovecot 2.3 requires', async () => {
    // Each judged by the real Dovecot (the differential judge): refused, or taken ("%%" is the percent sign).
    for (const refused of ['%', '', 'ab', '%n', '%{user}', '%L', 'é']) expect((await graded(`:BROKENCHAR=${refused}`)).map((l) => l.code), refused).toEqual(['dovecot.location-parameter']);
    for (const taken of ['_', '%%', '-:ITERINDEX:INDEX=%h/idx']) expect(await graded(`:BROKENCHAR=${taken}`), taken).toEqual([]);
    const [brokenchar] = await graded(':BROKENCHAR=%');
    expect(brokenchar!.message.en).toMatch(/write "%%" for the percent sign itself.*"BROKENCHAR value must be a single character"/);
    expect(brokenchar!.message['zh-CN']).toMatch(/百分号本身要写成 "%%"/);
    expect(brokenchar!.hint!.en).toMatch(/BROKENCHAR=_/);
    for (const refused of [':ITERINDEX', ':ITERINDEX:INDEX=MEMORY', ':INDEX=MEMORY:ITERINDEX', ':ITERINDEX:INDEX=', ':INDEX=~/idx:ITERINDEX:INDEX=MEMORY']) expect((await graded(refused)).map((l) => l.code), refused).toEqual(['dovecot.location-parameter']);
    for (const taken of [':ITERINDEX:INDEX=~/idx', ':ITERINDEX=foo:INDEX=~/idx', ':INDEX=MEMORY:ITERINDEX:INDEX=~/idx']) expect(await graded(taken), taken).toEqual([]);
    const [iterindex] = await graded(':INDEX=MEMORY:ITERINDEX');
    expect(iterindex!.message.en).toMatch(/needs the index in a directory \(INDEX=\.\.\., not MEMORY\).*"ITERINDEX requires INDEX to be explicitly set"/);
    expect(iterindex!.message['zh-CN']).toMatch(/不能是 MEMORY/);
    expect(iterindex!.hint!.en).toMatch(/Remove ":ITERINDEX".*":INDEX=~\/index"/);
  });

  it('put the INBOX under the home when it says "~"', async () => {
    expect(await graded(':INBOX=~/Maildir')).toEqual([]);
    expect((await graded(':INBOX=~/Maildir/.INBOX')).map((l) => l.code)).toEqual(['dovecot.inbox']);
  });
});
