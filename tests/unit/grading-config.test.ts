/**
 * main.cf and dovecot.conf are parsed as Postfix and Dovecot read them, and graded for meaning.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandVariables, gradeDovecotMaildir, labMaildirs } from '../../lab-server/src/grading/config/dovecot.js';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { parseMainCf } from '../../lab-server/src/grading/config/mainCf.js';
import { badValues } from '../../lab-server/src/grading/config/mainCfValues.js';
import { gradePostfixVirtual } from '../../lab-server/src/grading/config/postfix.js';
import { gradePostfixTls } from '../../lab-server/src/grading/config/tls.js';
import { gradePostfixRelay } from '../../lab-server/src/grading/config/relay.js';
import { unknownRestrictions } from '../../lab-server/src/grading/config/restrictions.js';
import { gradePostfixSubmission } from '../../lab-server/src/grading/config/submission.js';
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';
import type { FeedbackLine } from '../../lab-server/src/grading/feedback.js';
import { grade } from '../../lab-server/src/grading/graders.js';

const codes = (lines: FeedbackLine[]): string[] => lines.filter((l) => l.level !== 'ok').map((l) => `${l.level}:${l.code}`);

describe('parseMainCf', () => {
  it('joins continuation lines, skips comments, and the last definition wins', () => {
    const cf = parseMainCf(['# comment', 'mydomain = example.com', 'mydestination = $myhostname,', '    localhost.$mydomain', '  # a comment inside the value', '    ${mydomain}', 'mydomain = example.org'].join('\n'));
    expect(cf.raw('mydestination')).toBe('$myhostname, localhost.$mydomain ${mydomain}');
    expect(cf.list('mydestination')).toEqual(['mail.example.com', 'localhost.example.org', 'example.org']);
    expect(cf.problems.map((p) => p.level)).toEqual(['warn']);
  });

  it('expands $name, ${name}, $(name), ${name?x}, ${name:x} and defaults', () => {
    const cf = parseMainCf('a = one\nb = ${a?yes} ${c:fallback} $(a) $$literal\nmyhostname = mx.example.net');
    expect(cf.expand('b')).toBe('yes fallback one $literal');
    expect(cf.expand('mydomain')).toBe('example.net');
    expect(cf.list('mydestination')).toEqual(['mx.example.net', 'localhost.example.net', 'localhost']);
  });

  it('survives self-reference instead of looping', () => {
    expect(parseMainCf('a = $b\nb = $a x').expand('a')).toBe(' x');
  });

  it('says "#" after a value is not a comment, and spots misspelt parameters', () => {
    const cf = parseMainCf('mynetworks = 127.0.0.0/8 # local\nvirtual_mailbox_domain = x');
    expect(cf.problems.map((p) => p.message.en).join(' ')).toMatch(/NOT a comment[\s\S]*did you mean "virtual_mailbox_domains"/);
  });

  it('reports lines that are not settings, with their line numbers', () => {
    const cf = parseMainCf('  indented = first\nno equals sign here\nok = 1');
    expect(cf.problems.filter((p) => p.level === 'error').map((p) => p.line)).toEqual([1, 2]);
  });
});

describe('main.cf values the daemons stop on', () => {
  it('a number in quotes or with a "# comment" after it (virtual(8): "bad numerical configuration")', async () => {
    const base = 'virtual_mailbox_domains = example.com\nvirtual_mailbox_base = /var/mail/vhosts\nvirtual_mailbox_maps = hash:/etc/postfix/vmailbox';
    for (const bad of ['virtual_minimum_uid = "1000"', 'virtual_mailbox_limit = 20971520 # 20 MiB']) {
      const lines = await gradePostfixVirtual(`${base}\n${bad}`, { domains: ['example.com'], base: '/var/mail/vhosts', maps: 'hash:/etc/postfix/vmailbox' });
      expect(lines.find((l) => l.code === 'postfix.bad-number')?.message.en, bad).toMatch(/only digits/);
    }
  });
});

describe('words Postfix reads exactly', () => {
  it('a TLS protocol list with a word that is no protocol gives no TLS at all', async () => {
    const p = { cert: '/etc/ssl/mail/fullchain.pem', key: '/etc/ssl/mail/privkey.pem' };
    const base = `smtpd_tls_cert_file = ${p.cert}\nsmtpd_tls_key_file = ${p.key}\nsmtpd_tls_security_level = may\nsmtp_tls_security_level = may`;
    expect(codes(await gradePostfixTls(`${base}\nsmtpd_tls_protocols = >=TLSv1.2 # modern`, p))).toEqual(['warn:postfix.notice', 'error:tls.bad-protocols']);
    expect(codes(await gradePostfixTls(`${base}\nsmtpd_tls_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1\nsmtpd_tls_mandatory_protocols = TLSv1.2:TLSv1.3 TLSv1.4`, p))).toEqual(['error:tls.bad-mandatory-protocols']);
  });
});

describe('the sender login table', () => {
  it('is the same table read through proxymap, with its path spelt another way, or as text', async () => {
    const exercise = (await ExerciseCatalog.load()).get('postfix-limits')!;
    const graded = async (table: string) => (await grade(exercise.grader.name, exercise.grader.params, (exercise.solution as string).replace('hash:/etc/postfix/sender_login', table), {})).passed;
    for (const table of ['proxy:hash:/etc/postfix/sender_login', 'hash:/etc/postfix//sender_login', 'texthash:/etc/postfix/sender_login']) expect(await graded(table), table).toBe(true);
    for (const table of ['hash:/etc/postfix/sender_logins', 'btree:/etc/postfix/sender_login']) expect(await graded(table), table).toBe(false);
  });
});

describe('milter_default_action', () => {
  it('is read in any case, as Postfix reads it ("Accept" takes mail with OpenDKIM stopped)', async () => {
    const exercise = (await ExerciseCatalog.load()).get('dkim-signer')!;
    const graded = async (action: string) => (await grade(exercise.grader.name, exercise.grader.params, (exercise.solution as string).replace('milter_default_action = accept', `milter_default_action = ${action}`), {})).passed;
    expect(await graded('Accept')).toBe(true);
    expect(await graded('tempfail')).toBe(false);
  });
});

describe('postfix-virtual', () => {
  const p = { domains: ['example.com', 'otherdomain.com'], base: '/var/mail/vhosts', maps: 'hash:/etc/postfix/vmailbox' };
  it('passes the same meaning written differently (an own parameter another value names is used: postconf says nothing)', async () => {
    expect(codes(await gradePostfixVirtual('vdir = /var/mail/vhosts\nvirtual_mailbox_domains = OtherDomain.com example.com\nvirtual_mailbox_base = $vdir//\nvirtual_mailbox_maps = hash:/etc/postfix/vmailbox', p))).toEqual([]);
  });
  it('says the words of a "# comment" after the domains are domains the server claims', async () => {
    const lines = await gradePostfixVirtual('virtual_mailbox_domains = example.com, otherdomain.com # note\nvirtual_mailbox_base = /var/mail/vhosts\nvirtual_mailbox_maps = hash:/etc/postfix/vmailbox', p);
    expect(lines.find((l) => l.code === 'postfix.vdomains-extra')?.message.en).toMatch(/lists #, note, [\s\S]*"# comment" after a value is part of it/);
  });
  it('fails a table of another type (postmap built a hash: one) and an extra domain', async () => {
    expect(codes(await gradePostfixVirtual('virtual_mailbox_domains = example.com, otherdomain.com\nvirtual_mailbox_base = /var/mail/vhosts\nvirtual_mailbox_maps = btree:/etc/postfix/vmailbox', p))).toEqual(['error:postfix.vmaps-type']);
    // The same table through proxymap, or its source file read as text: the real smtpd delivers with each.
    for (const table of ['proxy:hash:/etc/postfix/vmailbox', 'texthash:/etc/postfix/vmailbox']) expect(codes(await gradePostfixVirtual(`virtual_mailbox_domains = example.com, otherdomain.com\nvirtual_mailbox_base = /var/mail/vhosts\nvirtual_mailbox_maps = ${table}`, p)), table).toEqual([]);
    expect(codes(await gradePostfixVirtual('virtual_mailbox_domains = example.com, otherdomain.com, example.net\nvirtual_mailbox_base = /var/mail/vhosts\nvirtual_mailbox_maps = hash:/etc/postfix/vmailbox', p))).toEqual(['error:postfix.vdomains-extra']);
  });
});

describe('a yes/no parameter with another value (the daemons that read it stop)', () => {
  it('names the daemon that reads it, not smtpd for every one', () => {
    const said = (line: string) => badValues(parseMainCf(line)).map((l) => `${l.message.en} | ${l.message['zh-CN']}`).join('\n');
    expect(said('smtpd_sasl_auth_enable = "no"')).toMatch(/every smtpd stops .*\| .*每个 smtpd 都会以/);
    for (const line of ['smtp_sasl_auth_enable = on', 'smtp_use_tls = 1']) {
      expect(said(line)).toMatch(/the smtp\(8\) client .* stops .*incoming mail is still accepted\. \| .*smtp\(8\) 客户端会以.*收信照常/);
    }
    expect(said('biff = "no"')).toMatch(/local\(8\).* stops .*\| .*local\(8\)会以/);
    expect(said('append_dot_mydomain = false')).toMatch(/trivial-rewrite\(8\).* stops .*\| .*trivial-rewrite\(8\)会以/);
    expect(said('soft_bounce = true')).toMatch(/every Postfix daemon stops .*\| .*每个 Postfix 进程都会以/);
    expect(said('smtp_use_tls = 1\nbiff = 0\nappend_dot_mydomain = x\nsoft_bounce = x')).not.toMatch(/smtpd/);
  });
});

describe('restriction names smtpd does not know (it answers every mail 451 4.3.5)', () => {
  it('are named, in main.cf and in a master.cf -o list, with the service', async () => {
    const relay = await gradePostfixRelay('smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination # was: permit', { localDomain: 'example.com' });
    expect(relay.find((l) => l.code === 'postfix.unknown-restriction')?.message.en).toMatch(/^smtpd_relay_restrictions contains "#"/);
    const master = 'smtp inet n - y - - smtpd\nsubmission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_client_restrictions=permit_sasl_authenticated,rejectt';
    const lines = await gradePostfixSubmission(master, { given: 'virtual_mailbox_domains = example.com' });
    expect(lines.find((l) => l.code === 'postfix.unknown-restriction')?.message.en).toMatch(/^submission \(port 587\): "rejectt" in smtpd_client_restrictions is not a Postfix restriction/);
    expect(lines.some((l) => l.code === 'master.anonymous')).toBe(false);
  });
});

describe('values smtpd stops on in a master.cf -o override', () => {
  const given = 'virtual_mailbox_domains = example.com\nsmtpd_helo_required = maybe';
  const submission = (extra: string) =>
    `smtp inet n - y - - smtpd\nsubmission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_client_restrictions=permit_sasl_authenticated,reject${extra}\nsubmissions inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=yes\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_client_restrictions=permit_sasl_authenticated,reject`;
  it('fail the service they stand in, named, in both languages; main.cf\'s own values are main.cf\'s business', async () => {
    const bad = await gradePostfixSubmission(submission('\n  -o smtpd_helo_required=true\n  -o smtpd_recipient_limit=100#x'), { given });
    expect(codes(bad)).toEqual(['error:postfix.bad-boolean', 'error:postfix.bad-number']);
    const errors = bad.filter((l) => l.level === 'error');
    expect(errors[0]!.message.en).toMatch(/^submission \(port 587\): smtpd_helo_required = true: .*every smtpd stops with "fatal: bad boolean configuration"/);
    expect(errors[0]!.message['zh-CN']).toMatch(/^submission \(port 587\)：smtpd_helo_required = true：.*fatal: bad boolean configuration/);
    // Only a service's own -o values are looked at here: main.cf's are the main.cf graders' to name.
    expect(codes(await gradePostfixSubmission(submission('\n  -o smtpd_helo_required=yes'), { given }))).toEqual([]);
  });
});

describe('postfix-relay: restrictions are run, not pattern-matched', () => {
  const given = 'virtual_mailbox_domains = example.com\nsmtpd_sasl_auth_enable = yes';
  const relay = (answer: string) => gradePostfixRelay(answer, { given, localDomain: 'example.com' });
  it.each([
    ['the modern relay list', 'smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination'],
    ['the pre-2.10 recipient list', 'smtpd_relay_restrictions =\nsmtpd_recipient_restrictions = permit_sasl_authenticated, reject_unauth_destination'],
    ['extra harmless checks', 'smtpd_relay_restrictions = reject_unauth_pipelining, permit_sasl_authenticated, reject_unauth_destination, check_client_access cidr:{ {192.0.2.66 REJECT} }'],
    ['a table that trusts only the lab network', 'smtpd_relay_restrictions = check_client_access cidr:{{192.0.2.0/24 OK}}, permit_sasl_authenticated, reject_unauth_destination'],
    ['a sender check after the relay guard', 'smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination, check_sender_access inline:{spam.example=REJECT}'],
    ['Postfix\'s default, which defers instead of rejecting', 'smtpd_banner = $myhostname ESMTP'],
    ['a restriction class and sleep with its argument', 'smtpd_restriction_classes = guard\nguard = reject_unauth_destination\nsmtpd_relay_restrictions = sleep 1, PERMIT_SASL_AUTHENTICATED, reject_unauth_destination, guard'],
  ])('passes %s', async (_what, answer) => {
    const lines = await relay(answer);
    expect(codes(lines)).toEqual([]);
  });

  it('evaluates tables written inline, and never assumes a table it cannot see is harmless', async () => {
    const byClient = await relay('smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination');
    expect(codes(byClient)).toEqual(['error:postfix.open-relay']);
    expect(byClient.find((l) => l.code === 'postfix.open-relay')!.message.en).toContain('static:OK');
    const forged = await relay('smtpd_relay_restrictions = permit_sasl_authenticated, check_sender_access inline:{ example.com=OK }, reject_unauth_destination');
    expect(codes(forged)).toEqual(['error:postfix.open-relay']);
    expect(forged.find((l) => l.code === 'postfix.open-relay')!.hint!.en).toMatch(/MAIL FROM/);
    expect(codes(await relay('smtpd_relay_restrictions = check_client_access cidr:{ {203.0.113.0/24 OK} }, permit_sasl_authenticated, reject_unauth_destination'))).toEqual(['error:postfix.open-relay']);
    expect(codes(await relay('smtpd_relay_restrictions = permit_sasl_authenticated, check_client_access hash:/etc/postfix/access, reject_unauth_destination'))).toEqual(['error:postfix.unseen-table']);
  });

  it('reads a bare table as the list\'s own access check, as smtpd does, and only the data lists refuse it', async () => {
    // smtpd_check.c: a table in smtpd_relay_restrictions is check_recipient_access <table>.
    const bare = await relay('smtpd_relay_restrictions = permit_sasl_authenticated, inline:{ gmail.com=OK }, reject_unauth_destination');
    expect(codes(bare)).toEqual(['error:postfix.open-relay']);
    expect(codes(await relay('smtpd_relay_restrictions = permit_sasl_authenticated, hash:/etc/postfix/access, reject_unauth_destination'))).toEqual(['error:postfix.unseen-table']);
    const cf = parseMainCf('smtpd_sender_restrictions = hash:/etc/postfix/sender_access, reject_sender_login_mismatch\nsmtpd_client_restrictions = permit_mynetworks, cidr:/etc/postfix/client.cidr');
    expect(unknownRestrictions(cf)).toEqual([]);
    const data = unknownRestrictions(parseMainCf('smtpd_data_restrictions = hash:/etc/postfix/data_access'));
    expect(codes(data)).toEqual(['error:postfix.unknown-restriction']);
  });

  it('names relay_domains as the cause when it lists someone else\'s domain', async () => {
    const lines = await relay('relay_domains = gmail.com\nsmtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination');
    expect(codes(lines)).toEqual(['error:postfix.open-relay']);
    const open = lines.find((l) => l.code === 'postfix.open-relay')!;
    expect(open.message.en).toMatch(/relay_domains lists gmail\.com/);
    expect(open.hint!.en).toMatch(/Remove gmail\.com from relay_domains/);
    expect(open.hint!.en).not.toMatch(/End smtpd_relay_restrictions with reject_unauth_destination/);
  });

  it('sees that a permit in the recipient list cannot undo a reject in the relay list', async () => {
    expect(codes(await relay('smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination\nsmtpd_recipient_restrictions = permit'))).toEqual([]);
  });

  it('catches an open relay through a wide mynetworks written as a list', async () => {
    const lines = await relay('mynetworks = 127.0.0.0/8, 192.168.0.0/16 203.0.0.0/8\nsmtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination');
    expect(codes(lines)).toEqual(['error:postfix.open-relay']);
    expect(lines.find((l) => l.code === 'postfix.open-relay')!.message.en).toMatch(/permit_mynetworks/);
  });

  it('catches SASL switched off', async () => {
    const lines = await gradePostfixRelay('smtpd_sasl_auth_enable = no\nsmtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination', { given, localDomain: 'example.com' });
    expect(codes(lines)).toEqual(['error:postfix.sasl-off']);
  });

  it('lets users log in on submission only, as master.cf says, and refuses AUTH in main.cf for port 25 too', async () => {
    const params = { given: 'virtual_mailbox_domains = example.com', masterCf: 'submission inet n - y - - smtpd\n  -o smtpd_sasl_auth_enable=yes', localDomain: 'example.com' };
    const restrictions = 'smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination';
    expect(codes(await gradePostfixRelay(restrictions, params))).toEqual([]);
    expect(codes(await gradePostfixRelay(`smtpd_sasl_auth_enable = no\n${restrictions}`, params))).toEqual([]);
    expect(codes(await gradePostfixRelay(`smtpd_sasl_auth_enable = yes\n${restrictions}`, params))).toEqual(['error:postfix.auth-on-25']);
  });
});

describe('parseDovecotConf', () => {
  it('reads a boolean as doveconf 2.3.19 does: yes, y, 1 and no in any case; n, 0, true refused ("Invalid boolean value")', () => {
    const read = (v: string) => parseDovecotConf(`disable_plaintext_auth = ${v}`);
    for (const [v, is] of [['1', 'yes'], ['Y', 'yes'], ['YES', 'yes'], ['No', 'no']] as const) expect(read(v).settings[0]!.value, v).toBe(is);
    for (const v of ['0', 'n', 'N', 'true', '01']) expect(read(v).problems[0]!.message.en, v).toMatch(/Invalid boolean value/);
  });

  it('reads nested sections, quotes, comments, includes, <file values and long lines', () => {
    const conf = parseDovecotConf(['# top', '!include conf.d/*.conf', 'ssl_cert = </etc/ssl/cert.pem', 'login_greeting = "Ready # not a comment"  # comment', 'userdb {', '  driver = static', '  args = uid=vmail \\', '     home=/srv/%d/%n', '}', 'namespace inbox {', '  mailbox Sent {', '    special_use = \\Sent', '  }', '}'].join('\n'));
    expect(conf.problems).toEqual([]);
    expect(conf.includes).toEqual([{ path: 'conf.d/*.conf', optional: false, line: 2 }]);
    // Debian's conf.d/10-ssl.conf, included, has one too; the answer's comes after it.
    expect([...conf.settings].reverse().find((s) => s.key === 'ssl_cert')).toMatchObject({ fromFile: true, value: '/etc/ssl/cert.pem' });
    expect(conf.settings.find((s) => s.key === 'login_greeting')!.value).toBe('Ready # not a comment');
    expect(conf.settings.find((s) => s.key === 'args')).toMatchObject({ value: 'uid=vmail home=/srv/%d/%n', path: ['userdb'] });
    expect([...conf.settings].reverse().find((s) => s.key === 'special_use')!.path).toEqual(['namespace inbox', 'mailbox Sent']);
    expect(conf.version).toBe('2.3');
  });

  it('knows 2.4 by its first line and reports broken structure with line numbers', () => {
    expect(parseDovecotConf('dovecot_config_version = 2.4.1\nmail_driver = maildir').version).toBe('2.4');
    const bad = parseDovecotConf('protocol imap {\n  mail_plugins = quota\nnamespace inbox { inbox = yes }\n}\n}\nwhat is this');
    expect(bad.problems.map((p) => p.line)).toEqual([3, 5, 6]);
  });

  it('in 2.3 a passdb or userdb without "driver = ..." is refused ("userdb is missing driver"): its name is no driver', () => {
    const conf = parseDovecotConf('passdb passwd-file {\n  args = /etc/dovecot/users\n}\nuserdb {\n  driver =\n}\nuserdb static {\n  driver = static\n}');
    expect(conf.problems.map((p) => [p.line, p.message.en.match(/"(\w+) is missing driver"/)?.[1]])).toEqual([[1, 'passdb'], [4, 'userdb']]);
    expect(conf.problems[0]!.message.en).toMatch(/"passwd-file" after "passdb" is only a name/);
    expect(parseDovecotConf('dovecot_config_version = 2.4.0\nuserdb static {\n}').problems).toEqual([]);
  });
});

describe('dovecot-maildir: paths are expanded for real lab users', () => {
  it('derives the expected directories from where the lab stores each user', () => {
    expect(labMaildirs('/var/mail/vhosts')).toEqual([
      { address: 'alice@example.com', dir: '/var/mail/vhosts/example.com/alice' },
      { address: 'bob@example.com', dir: '/var/mail/vhosts/example.com/bob' },
      { address: 'carol@otherdomain.com', dir: '/var/mail/vhosts/otherdomain.com/carol' },
    ]);
  });

  it('expands 2.3 and 2.4 variables with modifiers and filters', () => {
    expect(expandVariables('/m/%Ld/%Ln/%u/%%', 'Carol@OtherDomain.com', undefined, '2.3')).toBe('/m/otherdomain.com/carol/Carol@OtherDomain.com/%');
    expect(expandVariables('~/x/%{user | domain}/%{user | username | upper}', 'bob@example.com', '/h/bob', '2.4')).toBe('/h/bob/x/example.com/BOB');
    expect(expandVariables('%{domain}/%{username}', 'bob@example.com', undefined, '2.3')).toBe('example.com/bob');
  });

  it.each([
    ['%{domain}/%{username}', 'mail_location = maildir:/var/mail/vhosts/%{domain}/%{username}'],
    ['home from mail_home and ~', 'mail_home = /var/mail/vhosts/%d/%n\nmail_location = maildir:~'],
    ['%h', 'mail_home = /var/mail/vhosts/%d/%n\nmail_location = maildir:%h:INDEX=/var/index/%u'],
    ['2.4 with a static userdb home', 'dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\nmail_driver = maildir\nmail_path = ~\nuserdb static {\n  fields {\n    home = /var/mail/vhosts/%{user | domain}/%{user | username}\n  }\n}'],
  ])('passes %s', async (_what, answer) => {
    expect(codes(await gradeDovecotMaildir(answer, { version: 'any', base: '/var/mail/vhosts' }))).toEqual([]);
  });

  it('fails LAYOUT=fs and a separate INBOX', async () => {
    expect(codes(await gradeDovecotMaildir('mail_location = maildir:/var/mail/vhosts/%d/%n:LAYOUT=fs', { version: 'any', base: '/var/mail/vhosts' }))).toEqual(['error:dovecot.layout']);
    expect(codes(await gradeDovecotMaildir('mail_location = maildir:/var/mail/vhosts/%d/%n:INBOX=/var/mail/%u', { version: 'any', base: '/var/mail/vhosts' }))).toEqual(['error:dovecot.inbox']);
  });
});

describe('the config parsers never throw', () => {
  const confish = fc.array(fc.oneof(fc.constantFrom('=', '{', '}', '\n', '\\\n', '#', '"', "'", '<', '!include ', '$', '${', '$(', '?', ':', ' ', '\t', 'mail_location', 'mydestination', '%d', '%{user | domain}', 'maildir:'), fc.string({ maxLength: 10 })), { maxLength: 50 });
  it('parseMainCf and every expansion', () => {
    fc.assert(fc.property(confish, (parts) => {
      const cf = parseMainCf(parts.join(''));
      for (const e of cf.entries) cf.list(e.name);
    }), { numRuns: 500 });
  });
  it('parseDovecotConf', () => {
    fc.assert(fc.property(confish, (parts) => void parseDovecotConf(parts.join(''))), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => void parseDovecotConf(s)), { numRuns: 300 });
  });
  it('and the graders built on them', async () => {
    await fc.assert(fc.asyncProperty(confish, async (parts) => {
      const text = parts.join('');
      await gradeDovecotMaildir(text, { version: 'any', base: '/var/mail/vhosts' });
      await gradePostfixRelay(text, { localDomain: 'example.com' });
      await gradePostfixVirtual(text, { domains: ['example.com'], base: '/var/mail/vhosts', maps: 'hash:/etc/postfix/vmailbox' });
    }), { numRuns: 200 });
  });
});
