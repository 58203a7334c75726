/**
 * master.cf's command lines as Postfix's daemons read them (getopt "cdDi:lm:n:o:s:St:uvVz"):
 * a "#" is a comment only at the start of a line, so a "# note" after "-o name=value" is two
 * more words, and smtpd stops at every connection on a word after its options ("fatal:
 * unexpected command-line argument: #", asked of a real Postfix 3.7 by the differential
 * corpus) or on an option it lacks ("fatal: invalid option").
 */
import { describe, expect, it } from 'vitest';
import { parseMainCf } from '../../lab-server/src/grading/config/mainCf.js';
import { parseMasterCf } from '../../lab-server/src/grading/config/masterCf.js';
import { unknownRestrictions } from '../../lab-server/src/grading/config/restrictions.js';
import { gradePostfixSubmission } from '../../lab-server/src/grading/config/submission.js';
import type { FeedbackLine } from '../../lab-server/src/grading/feedback.js';

const codes = (lines: FeedbackLine[]): string[] => lines.filter((l) => l.level !== 'ok').map((l) => `${l.level}:${l.code}`);
const given = 'virtual_mailbox_domains = example.com\nsmtpd_tls_security_level = may';
const master = (smtp: string, submission: string, submissions: string) =>
  `# service type private unpriv chroot wakeup maxproc command\nsmtp inet n - y - - smtpd${smtp}\nsubmission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt${submission}\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\nsubmissions inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=yes${submissions}\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_client_restrictions=permit_sasl_authenticated,reject`;

describe('a word after the options in master.cf', () => {
  it('a trailing "# note" fails the service it stands in, named, in both languages, with the next step', async () => {
    const lines = await gradePostfixSubmission(master('', ' # STARTTLS required', ''), { given });
    expect(codes(lines)).toEqual(['error:master.stray-argument']);
    const [e] = lines.filter((l) => l.level === 'error');
    expect(e!.message.en).toMatch(/^submission \(port 587\): smtpd takes "#" as a command-line argument .*comment only at the start of a line.*"fatal: unexpected command-line argument: #"/);
    expect(e!.message['zh-CN']).toMatch(/^submission（端口 587）：smtpd 把 "#" 当成命令行参数.*只有在行首才表示注释/);
    expect(e!.hint?.en).toMatch(/line of its own that starts with #/);
    expect(e!.hint?.['zh-CN']).toMatch(/单独写一行/);
  });

  it('on port 25 and 465 too, joined to the word or not; a comment line between -o lines is a comment', async () => {
    expect(codes(await gradePostfixSubmission(master(' # MX', '', ''), { given }))).toEqual(['error:master.stray-argument']);
    expect(codes(await gradePostfixSubmission(master('', '', ' #note'), { given }))).toEqual(['error:master.stray-argument']);
    expect(codes(await gradePostfixSubmission(master('', '\n  # STARTTLS required\n', '\n\t# implicit TLS'), { given }))).toEqual([]);
    const other = await gradePostfixSubmission(master('', ' note', ''), { given });
    expect(other.find((l) => l.level === 'error')?.hint?.en).toMatch(/Remove "note"/);
  });

  it('reads options as getopt does: flags alone or clustered, values joined or next, "--" ending them', () => {
    const service = (args: string) => parseMasterCf(`submission inet n - y - - smtpd ${args}`).services[0]!;
    expect(service('-v -vv -oa=1 -o b=2 -Do c=3').refused).toBeUndefined();
    expect(service('-v -vv -oa=1 -o b=2 -Do c=3').overrides.map((o) => o.name)).toEqual(['a', 'b', 'c']);
    expect(service('-o a=1 # b=2').refused).toEqual({ word: '#', kind: 'argument' });
    expect(service('-o a=1 -- -o b=2').refused).toEqual({ word: '-o', kind: 'argument' });
    expect(service('-o a=1 --').refused).toBeUndefined();
    expect(service('-x -o a=1').refused).toEqual({ word: '-x', kind: 'option' });
    expect(service('-o a=1 -o').refused).toEqual({ word: '-o', kind: 'option' });
    // Braces keep a value with blanks, "#" included, as one word (smtpd then reads "#" as a restriction).
    expect(service('-o { a = x # y }').refused).toBeUndefined();
  });

  it('an option smtpd lacks fails the service with its own message', async () => {
    const lines = await gradePostfixSubmission(master('', '', ' -x'), { given });
    expect(codes(lines)).toEqual(['error:master.bad-option']);
    expect(lines.find((l) => l.level === 'error')?.message.en).toMatch(/^submissions \(port 465\): smtpd has no option "-x".*"fatal: invalid option"/);
  });
});

describe('words after an unconditional permit, reject or defer', () => {
  const said = (value: string) => unknownRestrictions(parseMainCf(`smtpd_relay_restrictions = ${value}`)).map((l) => `${l.level}:${l.code}`);
  it('are never reached by smtpd: a warning, not a failure (a real smtpd takes "reject # note" and answers 554)', async () => {
    expect(said('reject_unauth_destination, permit # note')).toEqual(['warn:postfix.unreached']);
    expect(said('permit_sasl_authenticated, reject # note')).toEqual(['warn:postfix.unreached']);
    expect(said('permit_mynetworks, defer, rejectt')).toEqual(['warn:postfix.unreached']);
    const [w] = unknownRestrictions(parseMainCf('smtpd_relay_restrictions = reject_unauth_destination, permit # note'));
    expect(w!.message.en).toMatch(/never reaches "#" after "permit", which ends the list for every mail.*not a comment in main\.cf/);
    expect(w!.message['zh-CN']).toMatch(/永远不会读到 "permit" 之后的 "#".*不是注释/);
    expect(w!.hint?.en).toMatch(/line of its own/);
    // In braces in a master.cf -o list too: the submission service passes.
    const braces = master('', '', '').replace('-o smtpd_client_restrictions=permit_sasl_authenticated,reject\nsubmissions', '-o { smtpd_client_restrictions = permit_sasl_authenticated, reject # note }\nsubmissions');
    expect(codes(await gradePostfixSubmission(braces, { given }))).toEqual(['warn:postfix.unreached']);
  });

  it('are reached after warn_if_reject, and before the end of a list', () => {
    expect(said('reject_unauth_destination, warn_if_reject reject # note')).toEqual(['error:postfix.unknown-restriction']);
    expect(said('reject_unauth_destination # note, permit')).toEqual(['error:postfix.unknown-restriction']);
    expect(said('permit_mynetworks, reject_unauth_destination, reject')).toEqual([]);
    // Known words after a permit are no mistake of spelling: nothing to say here (other checks judge the order).
    expect(said('permit, permit_sasl_authenticated, reject_unauth_destination')).toEqual([]);
  });
});

describe('a service defined twice', () => {
  it('is the last entry, as Postfix runs it, with a warning naming both lines', async () => {
    const open = 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=none\n';
    const good = master('', '', '');
    const lastGood = good.replace('submission inet', `${open}submission inet`);
    const lastBad = good.replace('submissions inet', `${open}submissions inet`);
    expect(codes(await gradePostfixSubmission(lastGood, { given }))).toEqual(['warn:master.duplicate']);
    const bad = await gradePostfixSubmission(lastBad, { given });
    expect(codes(bad)).toContain('error:master.tls-optional');
    const dup = bad.find((l) => l.code === 'master.duplicate')!;
    expect(dup.message.en).toMatch(/^Line 3: "submission inet" is defined again on line 7; Postfix runs only the last one/);
    expect(dup.message['zh-CN']).toMatch(/^第 3 行："submission inet" 在第 7 行又定义了一次/);
  });
});

describe('a word or option a daemon stops on, in a service the exercise does not judge', () => {
  const withService = (entry: string) => `${master('', '', '')}\n${entry}`;
  it('fails the answer, naming the service, what Postfix logs and what breaks, in both languages (pickup, cleanup and qmgr stop on the real Postfix 3.7)', async () => {
    const pickup = await gradePostfixSubmission(withService('pickup unix n - y 60 1 pickup extra'), { given });
    expect(codes(pickup)).toEqual(['error:master.daemon-refused']);
    const [e] = pickup.filter((l) => l.level === 'error');
    expect(e!.message.en).toMatch(/^Line 11: pickup unix \(pickup\): pickup takes "extra" as a command-line argument and stops each time it is asked to work \("fatal: unexpected command-line argument: extra"\).*sendmail command/);
    expect(e!.message['zh-CN']).toMatch(/^第 11 行：pickup unix（pickup）：pickup 把 "extra" 当成命令行参数.*maildrop/);
    expect(e!.hint?.en).toMatch(/Remove "extra"/);
    const cleanup = (await gradePostfixSubmission(withService('cleanup unix n - y - 0 cleanup # note'), { given })).find((l) => l.level === 'error')!;
    expect(cleanup.message.en).toMatch(/comment only at the start of a line.*No message can be queued/);
    expect(cleanup.hint?.['zh-CN']).toMatch(/单独写一行/);
    const qmgr = (await gradePostfixSubmission(withService('qmgr unix n - n 300 1 qmgr -x'), { given })).find((l) => l.level === 'error')!;
    expect(qmgr.message.en).toMatch(/qmgr has no option "-x".*"fatal: invalid option".*Nothing in the queue is ever delivered/);
  });

  it('leaves pipe and spawn their own arguments, and commands that are no Postfix daemon alone', async () => {
    expect(codes(await gradePostfixSubmission(withService('maildrop unix - n n - - pipe\n  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}'), { given }))).toEqual([]);
    expect(codes(await gradePostfixSubmission(withService('policy unix - n n - 0 spawn user=nobody argv=/usr/bin/policyd'), { given }))).toEqual([]);
    expect(codes(await gradePostfixSubmission(withService('custom unix - n n - - my-filter --fast'), { given }))).toEqual([]);
    // An option pipe lacks stops it as any daemon.
    expect(codes(await gradePostfixSubmission(withService('maildrop unix - n n - - pipe -x flags=R argv=/bin/true'), { given }))).toEqual(['error:master.daemon-refused']);
  });
});
