/**
 * The differential run of the DNS graders against the real tools: every answer of the DNS
 * exercises, mutated (zoneMutations.ts) `count` times with a seed, graded by the lab and judged
 * by BIND/pyspf/dkimpy/DMARC's grammar. Returns every disagreement. The suite runs a small seeded
 * corpus (tests/integration/graders-differential.test.ts); the big run is by hand:
 *   npx tsx tests/realtools/differential.ts [count per answer] [seed] [dns|config] [exercise id]
 */
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';
import { grade } from '../../lab-server/src/grading/graders.js';
import { mutateConfig } from './configMutations.js';
import { canJudge, judgeAll, type Case, type Judged } from './judges.js';
import { mutateZone, seeded } from './zoneMutations.js';

const DNS = new Set(['dns-mx', 'dns-spf', 'dns-dkim', 'dns-dmarc', 'dns-ptr', 'dns-zone']);

/**
 * Deliberate strictness: errors the grader gives answers the tools accept, on purpose. A record
 * whose owner repeats the origin ("25.2.0.192.in-addr.arpa" without its dot, read as
 * "…in-addr.arpa.2.0.192.in-addr.arpa.") is legal DNS but never what a learner meant.
 */
export const DELIBERATE = new Set([
  'zone.missing-trailing-dot',
  // Two key records at one selector, both valid for the same key, verify; but RFC 6376 §3.6.2.2
  // lets a verifier take either, and a record edited in one of them breaks half the signatures.
  'dkim.multiple',
  // An answer of comments only sets nothing: whatever the defaults do, it is no answer.
  'postfix.empty',
  // A domain not asked for (the words of a "# comment" after the list too) is one the server
  // claims to host; no probe of the judge's can tell it from one that was asked for.
  'postfix.vdomains-extra',
  // A broken smtpd_tls_mandatory_protocols leaves without TLS only the services that require it
  // (submission); the TLS exercise's judge talks to port 25 alone.
  'tls.bad-mandatory-protocols',
  // A master.cf daemon that stops on its command line stops at its first request: the judge sees it
  // only for the services its run asks (pickup and qmgr at once, cleanup with the first mail), never
  // for one nothing uses (discard), which stays broken all the same.
  'master.daemon-refused',
]);

export interface Disagreement {
  exercise: string;
  mutations: string[];
  answer: string;
  grader: string;
  tools: string;
}

export type Corpus = 'dns' | 'config';

/** Each answer of the corpus's exercises mutated up to `count` times (twins dropped). */
export async function mutatedCases(corpus: Corpus, count: number, seed: number, only?: string): Promise<Array<Case & { mutations: string[] }>> {
  const catalog = await ExerciseCatalog.load();
  const rnd = seeded(seed);
  const out: Array<Case & { mutations: string[] }> = [];
  const chosen = catalog.list.filter((e) => (corpus === 'dns' ? DNS.has(e.grader.name) : canJudge(e.grader.name) && !DNS.has(e.grader.name)) && (!only || e.id === only));
  for (const exercise of chosen) {
    const origin = (exercise.grader.params as { origin?: string }).origin ?? '';
    const answers = [exercise.solution, ...exercise.right.map((r) => r.answer), ...exercise.wrong.map((w) => w.answer)] as string[];
    const seen = new Set(answers);
    for (const answer of answers) {
      for (let i = 0; i < count; i++) {
        const m = corpus === 'dns' ? mutateZone(answer, rnd, origin) : mutateConfig(answer, rnd);
        if (!m || seen.has(m.text)) continue;
        seen.add(m.text);
        out.push({ exercise, label: m.applied.join('+'), answer: m.text, expectPass: false, mutations: m.applied });
      }
    }
  }
  return out;
}

/**
 * Answers differential runs found graded otherwise than the tools judge them, made from the
 * exercises' solutions: [exercise, text replaced, replacement, do the tools accept it].
 */
const FOUND: Array<[string, string, string, boolean]> = [
  // BIND: a backslash before one or two digits is a syntax error, not the digit.
  ['dns-spf', 'v=spf1', 'v=spf\\1', false],
  ['dns-spf', 'ip4:192', 'ip4:1\\92', false],
  // dkimpy and OpenDKIM refuse a key record with an empty tag ("key DNS reply corrupt").
  ['dns-dkim', 'v=DKIM1;', 'v=DKIM1;;', false],
  ['dns-dkim', 'k=rsa; ', 'k=rsa; ;', false],
  // Tag values are case-sensitive: dkimpy knows no key type "RSA".
  ['dns-dkim', 'k=rsa', 'k=RSA', false],
  // Tag names are case-sensitive too: "K=" is a tag no verifier knows, ignored (the key stays rsa).
  ['dns-dkim', 'k=rsa', 'K=ED25519', true],
  // The same record written twice another way is one record (BIND keeps one of an RRset's twins).
  ['dns-spf', '@ 3600 IN TXT "v=spf1 mx', '@ IN TXT "v=spf1 \\mx ip4:192.0.2.25 -all"\n@ 3600 IN TXT "v=spf1 mx', true],
  ['dns-mx', '@       IN  MX  20  mail2', '@ IN MX 10 MAIL\n@       IN  MX  20  mail2', true],
  ['dns-ptr', '25      IN  PTR  mail.example.com.', '25 IN PTR MAIL.example.COM.\n25      IN  PTR  mail.example.com.', true],
  // BIND reads a name in record data only unquoted ("unexpected token"); an owner in quotes is the name inside.
  ['dns-zone', '@                   IN MX   10 mail', '@ IN MX 10 "mail"', false],
  ['dns-zone', 'mail                IN A    192.0.2.25', '"mail" IN A 192.0.2.25', true],
  // A first word starting with "$" (in quotes too) is a directive; its argument is never quoted, nor followed by a word.
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A    192.0.2.26\n"$note" IN TXT "x"', false],
  // Postfix ignores a parameter name it does not know (names are lower case), and the tables named in it.
  ['postfix-relay', 'smtpd_relay_restrictions = permit_mynetworks,', 'SMTPD_RELAY_RESTRICTIONS = permit_sasl_authenticated, check_client_access hash:/etc/postfix/client_access, reject_unauth_destination\nsmtpd_relay_restrictions = permit_mynetworks,', true],
  // RFC 3597: CLASS1 is IN; a type BIND knows no format for (private use) in the generic form only; a meta type never.
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               CLASS1 A    192.0.2.26', true],
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A    192.0.2.26\nmail2 CLASS1 TYPE65280 \\# 3 010203', true],
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A    192.0.2.26\nmail2 IN TYPE65280 "x"', false],
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               CLASS3 A    192.0.2.26', false],
  ['dns-zone', 'IDAQAB"\n        )', 'IDAQAB"\n        )\n$ORIGIN "example.com."', false],
  ['dns-zone', '$ORIGIN example.com.', '"$ORIGIN" example.com.', true],
  ['dns-zone', '$TTL 3600', '$TTL 3600 extra', false],
  // A TTL past 2^31-1 BIND loads as 0 with a warning; past 2^32-1 it is no TTL ("out of range").
  ['dns-zone', '$TTL 3600', '$TTL 2147483648', true],
  ['dns-mx', '@       IN  MX  20  mail2', '@ 3551w IN  MX  20  mail2', true],
  ['dns-zone', '$TTL 3600', '$TTL 99999w', false],
  // RFC 3597: BIND reads TYPE1 as A and "\\# 4 c000021a" as 192.0.2.26; a length the data does not have it refuses.
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN TYPE1 \\# 4 c000021a', true],
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A \\# 5 c000021a', false],
  // Round 15: types whose data BIND checks, in the generic form (the lab once knew none of them): DANE's TLSA for
  // SMTP, and SSHFP, whose SHA-256 digest is 32 bytes ("FORMERR" for fewer).
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A    192.0.2.26\n_25._tcp.mail IN TLSA \\# 35 030101 00000000000000000000000000000000000000000000000000000000000000ab', true],
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A    192.0.2.26\nmail IN SSHFP \\# 6 0402 abcd', false],
  // A delegation's NS written as an address: named-compilezone refuses it ("NS is an address"), as "1:2." in an SRV
  // ("bad name"), which is no address to BIND; "192.0.2.256." is a host name to it.
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A    192.0.2.26\nsub IN NS 192.0.2.53.', false],
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A    192.0.2.26\nx IN SRV 0 0 25 1:2.', false],
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A    192.0.2.26\nsub IN NS 192.0.2.256.', true],
  // BIND: an SOA anywhere but the top of the zone is "not at top of zone".
  ['dns-zone', 'mail2               IN A    192.0.2.26', 'mail2               IN A    192.0.2.26\nmail2 IN SOA ns1 hostmaster 1 3600 600 604800 300', false],
  // doveconf: setting names are lower case ("Unknown setting: SSL"), booleans are yes/no/y/n/1/0.
  ['dovecot-tls', 'ssl = required', 'SSL = required', false],
  ['dovecot-tls', 'ssl = required', 'ssl = required\ndisable_plaintext_auth = none', false],
  ['dovecot-tls', 'ssl = required', 'ssl = required\ndisable_plaintext_auth = Y', true],
  // Seed 41: doveconf 2.3.19 refuses "0" and "n" ("Invalid boolean value"), even when a later line sets it again.
  ['dovecot-tls', 'ssl = required', 'ssl = required\ndisable_plaintext_auth = 0\ndisable_plaintext_auth = yes', false],
  // Every boolean doveconf knows, where it stands (dovecotBooleans.ts), not only those the graders read;
  // a passdb's auth_verbose is no boolean but default, yes or no.
  ['dovecot-tls', 'ssl = required', 'ssl = required\nssl_require_crl = true', false],
  ['dovecot-auth', '  driver = passwd-file', '  driver = passwd-file\n  auth_verbose = default', true],
  // smtpd: "#" after a value is part of it, each word an unknown restriction (451 4.3.5); a
  // comment line inside a continued value is skipped.
  ['postfix-limits', 'smtpd_sender_restrictions = reject_sender_login_mismatch', 'smtpd_sender_restrictions = reject_sender_login_mismatch # note', false],
  ['postfix-limits', 'smtpd_sender_restrictions = reject_sender_login_mismatch', 'smtpd_sender_restrictions =\n  # note\n  reject_sender_login_mismatch', true],
  // Every word of a table list is a table: a "# note" after it stops smtpd ("expecting "type:name"
  // form instead of "#""), as does a type this Postfix lacks ("unsupported dictionary type").
  ['postfix-virtual', 'hash:/etc/postfix/vmailbox', 'hash:/etc/postfix/vmailbox # note', false],
  ['postfix-limits', 'hash:/etc/postfix/sender_login', 'hash:/etc/postfix/sender_login # login table', false],
  ['postfix-virtual', 'hash:/etc/postfix/vmailbox', 'pcre:/etc/postfix/vmailbox', false],
  // Dovecot stops on a listener's user or group the machine lacks ("Group doesn't exist: none");
  // a mode is octal only after a leading 0 ("660" is 0224: the owner may still write), and a
  // write bit for others lets everyone connect (0622; connecting needs only write permission).
  ['postfix-sasl', 'group = postfix', 'group = none', false],
  ['postfix-lmtp', 'user = postfix', 'user = Postfix', false],
  ['postfix-sasl', 'mode = 0660', 'mode = 0622', false],
  ['postfix-sasl', 'mode = 0660', 'mode = 660', true],
  ['postfix-lmtp', 'mode = 0600', 'mode = 0668', false],
  ['postfix-sasl', 'mode = 0660', 'mode = 0060', false],
  // doveconf 2.3: protocols are separated by spaces only; "$protocols," is no expansion.
  ['postfix-lmtp', 'protocols = imap pop3 lmtp', 'protocols = $protocols, lmtp', false],
  ['postfix-lmtp', 'protocols = imap pop3 lmtp', 'protocols = $protocols lmtp', true],
  // A "# note" after the domains: two more domains the server claims, which the tools accept.
  ['postfix-virtual', 'otherdomain.com', 'otherdomain.com # note', true],
  // Postfix: the SASL type is lower case ("unsupported SASL server implementation: Dovecot"), and
  // a word that is no protocol voids the whole TLS protocol list (454 4.7.0, no TLS at all).
  ['postfix-sasl', 'smtpd_sasl_type = dovecot', 'smtpd_sasl_type = Dovecot', false],
  ['postfix-tls', 'smtpd_tls_protocols = >=TLSv1.2', 'smtpd_tls_protocols = >=TLSv1.2 # modern', false],
  // Seed 53: Postfix reads a TLS security level in any case (tls_level_lookup); the judge once read "MAY" as no TLS.
  ['postfix-tls', 'smtp_tls_security_level = may', 'smtp_tls_security_level = MAY', true],
  ['postfix-tls', 'smtpd_tls_mandatory_protocols = >=TLSv1.2', 'smtpd_tls_mandatory_protocols = >=TLSv1.2 # modern', true],
  // Dovecot's auth service stops on a mechanism list with commas ("Unknown authentication mechanism 'PLAIN,'").
  ['postfix-sasl', '  }\n}', '  }\n}\n\n==> /etc/dovecot/conf.d/10-auth.conf <==\nauth_mechanisms = plain, login', false],
  ['postfix-sasl', '  }\n}', '  }\n}\n\n==> /etc/dovecot/conf.d/10-auth.conf <==\nauth_mechanisms = PLAIN  login', true],
  // No GSSAPI without the dovecot-gssapi package; NTLM and GSS-SPNEGO only by winbind ("Unknown authentication mechanism 'GSSAPI'").
  ['postfix-sasl', '  }\n}', '  }\n}\n\n==> /etc/dovecot/conf.d/10-auth.conf <==\nauth_mechanisms = plain gssapi', false],
  ['postfix-sasl', '  }\n}', '  }\n}\n\n==> /etc/dovecot/conf.d/10-auth.conf <==\nauth_mechanisms = plain ntlm', false],
  // OTP needs a passdb that can store the next password: "OTP mechanism can't be supported with given passdbs".
  ['postfix-sasl', '  }\n}', '  }\n}\n\n==> /etc/dovecot/conf.d/10-auth.conf <==\nauth_mechanisms = plain otp', false],
  ['postfix-sasl', '  }\n}', '  }\n}\n\n==> /etc/dovecot/conf.d/10-auth.conf <==\nauth_mechanisms = plain gss-spnego ntlm\nauth_use_winbind = yes', true],
  // Postfix reads milter_default_action in any case: with OpenDKIM stopped, "Accept" takes mail.
  ['dkim-signer', 'milter_default_action = accept', 'milter_default_action = Accept', true],
  // The login table read through proxymap, with its path spelt another way, or as text: smtpd uses each.
  ['postfix-limits', 'hash:/etc/postfix/sender_login', 'proxy:hash:/etc/postfix/sender_login', true],
  ['postfix-limits', 'hash:/etc/postfix/sender_login', 'hash:/etc/postfix//sender_login', true],
  ['postfix-limits', 'hash:/etc/postfix/sender_login', 'texthash:/etc/postfix/sender_login', true],
  // The mailbox table through proxymap works; as btree: it is a database postmap never built (451 4.3.0).
  ['postfix-virtual', 'hash:/etc/postfix/vmailbox', 'proxy:hash:/etc/postfix/vmailbox', true],
  ['postfix-virtual', 'hash:/etc/postfix/vmailbox', 'btree:/etc/postfix/vmailbox', false],
  // $default_database_type is hash (postconf -d): the same table, as Postfix's own docs write it.
  ['postfix-virtual', 'hash:/etc/postfix/vmailbox', '${default_database_type}:/etc/postfix/vmailbox', true],
  // A $name Postfix does not know is nothing ("undefined parameter"): ":/etc/postfix/vmailbox" stops smtpd; beside a table it is harmless.
  ['postfix-virtual', 'hash:/etc/postfix/vmailbox', '$nosuch:/etc/postfix/vmailbox', false],
  ['postfix-virtual', 'hash:/etc/postfix/vmailbox', 'hash:/etc/postfix/vmailbox, $nosuch', true],
  // smtpd: a bare table in a restriction list is that list's access check (check_sender_access here).
  ['postfix-limits', 'smtpd_sender_restrictions = reject_sender_login_mismatch', 'smtpd_sender_restrictions = inline:{ spammer@example.org=REJECT }, reject_sender_login_mismatch', true],
  // Values the daemons stop on (postconf says nothing), even when a later line sets them again.
  ['postfix-relay', 'smtpd_relay_restrictions = permit_mynetworks,', 'smtpd_sasl_auth_enable = "no"\nsmtpd_relay_restrictions = permit_mynetworks,', false],
  ['postfix-mydestination', 'mydomain = example.com', 'mydomain = example.com\nmydomain = 0', false],
  ['dovecot-tls', 'ssl = required', 'ssl = 0\nssl = required', false],
  ['dovecot-tls', 'port = 993', 'port =\n    port = 993', false],
  // A CRLF line in master.cf: Postfix reads it as written (the judge once lost the service).
  ['postfix-submission', 'smtpd\n  -o syslog_name=postfix/submission', 'smtpd\r\n  -o syslog_name=postfix/submission', true],
  // A typo in a master.cf -o list: smtpd answers 451 4.3.5 to everyone who reaches the name.
  ['postfix-submission', 'smtpd_client_restrictions=permit_sasl_authenticated,reject\n', 'smtpd_client_restrictions=permit_sasl_authenticated,rejectt\n', false],
  // A value smtpd stops on in a master.cf -o override ("fatal: bad boolean configuration"): 587 has no smtpd.
  ['postfix-submission', '  -o syslog_name=postfix/submission\n', '  -o syslog_name=postfix/submission\n  -o smtpd_helo_required=true\n', false],
  // master.cf: "#" is a comment only at the start of a line; after a value it is a word smtpd stops on
  // at every connection ("fatal: unexpected command-line argument: #"), as it stops on "-x" ("invalid option").
  ['postfix-submission', '  -o smtpd_tls_security_level=encrypt', '  -o smtpd_tls_security_level=encrypt # STARTTLS first', false],
  ['postfix-submission', '  -o smtpd_tls_wrappermode=yes', '  -o smtpd_tls_wrappermode=yes #note', false],
  ['postfix-submission', '  -o syslog_name=postfix/submission\n', '  -x -o syslog_name=postfix/submission\n', false],
  ['postfix-submission', '  -o syslog_name=postfix/submission\n', '  -v -o syslog_name=postfix/submission\n  # STARTTLS first\n', true],
  // The same on a service the exercise does not judge: pickup stops at once, cleanup at the first mail (smtpd then
  // gives up: "unable to connect to the public cleanup service"), qmgr on an option it lacks.
  ['postfix-submission', 'smtp       inet  n       -       y       -       -       smtpd\n', 'smtp       inet  n       -       y       -       -       smtpd\npickup unix n - y 60 1 pickup extra\n', false],
  ['postfix-submission', 'smtp       inet  n       -       y       -       -       smtpd\n', 'smtp       inet  n       -       y       -       -       smtpd\ncleanup unix n - y - 0 cleanup # note\n', false],
  ['postfix-submission', 'smtp       inet  n       -       y       -       -       smtpd\n', 'smtp       inet  n       -       y       -       -       smtpd\nqmgr unix n - n 300 1 qmgr -x\n', false],
  ['postfix-submission', 'smtp       inet  n       -       y       -       -       smtpd\n', 'smtp       inet  n       -       y       -       -       smtpd\nmaildrop unix - n n - - pipe\n  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}\n', true],
  // smtpd never reads the words after an unconditional permit or reject (in braces in master.cf too);
  // after warn_if_reject it does ("unknown smtpd restriction", 451 4.3.5).
  ['postfix-relay', '    reject_unauth_destination', '    reject_unauth_destination, permit # note', true],
  ['postfix-relay', '    reject_unauth_destination', '    reject_unauth_destination, warn_if_reject reject # note', false],
  ['postfix-submission', '  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\nsubmissions', '  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject # note }\nsubmissions', true],
  // master.cf: of two entries of one name and type, Postfix runs the last (the grader once judged the first).
  ['postfix-submission', 'submissions inet n', 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=none\nsubmissions inet n', false],
  ['postfix-submission', 'smtp       inet  n       -       y       -       -       smtpd\nsubmission inet', 'smtp       inet  n       -       y       -       -       smtpd\nsubmission inet n - y - - smtpd\n  -o smtpd_tls_security_level=none\nsubmission inet', true],
  // doveconf: "#" outside quotes starts a comment anywhere in a line (without a blank before it, with a
  // warning); inside quotes it is part of the value.
  ['dovecot-tls', '    port = 993\n    ssl = yes\n  }', '    port = 993 # imaps\n    ssl = yes#tls\n  } # end', true],
  ['dovecot-tls', 'ssl_min_protocol = TLSv1.2', 'ssl_min_protocol = "TLSv1.2 # note"', false],
  // Dovecot reads ssl_min_protocol in any case, and LATEST is TLS 1.3 (the judge once read only TLSv1.2 and TLSv1.3).
  ['dovecot-tls', 'ssl_min_protocol = TLSv1.2', 'ssl_min_protocol = latest', true],
  // doveconf 2.3 reads enums as written, numbers without units, sizes and times with them (dovecotValues.ts).
  ['dovecot-tls', 'ssl = required', 'ssl = required\nmail_fsync = 0', false],
  ['dovecot-tls', 'ssl = required', 'ssl = required\nimap_idle_notify_interval = 1 min\nimap_max_line_length = 1 M\nmail_fsync = never', true],
  ['dovecot-tls', 'ssl = required', 'ssl = required\nimap_idle_notify_interval = 60', false],
  ['dovecot-maildir', 'mail_home = /var/mail/vhosts/%d/%n', 'mail_home = /var/mail/vhosts/%d/%n\nmail_max_userip_connections = 1M', false],
  ['dovecot-auth', '  driver = passwd-file\n', '  driver = passwd-file\n  result_success = Continue\n', false],
  // mail_location's parameters as Dovecot 2.3 reads them: upper-case names ("Unknown setting: layout"), the maildir++
  // layout in lower case, no DIRNAME with it; an INBOX under the home (the grader once failed expanding "~" there).
  ['dovecot-maildir', 'mail_location = maildir:~/Maildir', 'mail_location = maildir:~/Maildir:LAYOUT=index', false],
  ['dovecot-maildir', 'mail_location = maildir:~/Maildir', 'mail_location = maildir:~/Maildir:LAYOUT=Maildir++', false],
  ['dovecot-maildir', 'mail_location = maildir:~/Maildir', 'mail_location = maildir:~/Maildir:DIRNAME=mails', false],
  ['dovecot-maildir', 'mail_location = maildir:~/Maildir', 'mail_location = maildir:~/Maildir:INBOX=~/Maildir:INDEX=MEMORY:UTF-8', true],
  // BROKENCHAR is one character once expanded ("%" is not); ITERINDEX needs INDEX=<dir> (MEMORY is none).
  ['dovecot-maildir', 'mail_location = maildir:~/Maildir', 'mail_location = maildir:~/Maildir:BROKENCHAR=%', false],
  ['dovecot-maildir', 'mail_location = maildir:~/Maildir', 'mail_location = maildir:~/Maildir:INDEX=MEMORY:ITERINDEX', false],
  // doveconf 2.3: a passdb or userdb without "driver = ..." ("userdb is missing driver"); the word after "userdb" is a name.
  ['dovecot-maildir', 'mail_home = /var/mail/vhosts/%d/%n', 'userdb static {\n  args = uid=vmail gid=vmail home=/var/mail/vhosts/%d/%n\n}', false],
  ['dovecot-auth', '  driver = passwd-file\n', '', false],
  // A passwd-file passdb's args as Dovecot 2.3 reads them: options until a word starts with "/", the rest of the line the
  // file's name; any other word (SCHEME=, a relative path, the second of two blanks) stops the auth process.
  ['dovecot-auth', 'args = scheme=SSHA512 username_format=%u /etc/dovecot/users', 'args = /etc/dovecot/users scheme=SSHA512', false],
  ['dovecot-auth', 'args = scheme=SSHA512 username_format=%u /etc/dovecot/users', 'args = SCHEME=SSHA512 /etc/dovecot/users', false],
  ['dovecot-auth', 'args = scheme=SSHA512 username_format=%u /etc/dovecot/users', 'args = scheme=SSHA512  /etc/dovecot/users', false],
  ['dovecot-auth', 'args = scheme=SSHA512 username_format=%u /etc/dovecot/users', 'args = scheme=SSHA512 username_format=%u /etc/dovecot//users', true],
  // "vmail" in quotes is vmail to Dovecot (the judge once took it for a group its machine lacks).
  ['dovecot-auth', 'user\nuserdb {\n  driver = static\n  args = uid=vmail gid=vmail home=', 'user\nmail_uid = vmail\nmail_gid = "vmail"\nuserdb {\n  driver = static\n  args = home=', true],
  // Dovecot: a setting given twice is the last one, in a section (args) and at the top (mail_uid).
  ['dovecot-auth', 'home=/var/mail/vhosts/%d/%n', 'home=/var/mail/vhosts/%d/%n\n  args = uid=vmail gid=vmail', false],
  ['dovecot-auth', 'uid=vmail gid=vmail home=/var/mail/vhosts/%d/%n\n}', 'home=/var/mail/vhosts/%d/%n\n}\nmail_uid = vmail\nmail_gid = vmail\nmail_uid = 1234', false],
  // doveconf 2.3's checks once the file is read (dovecotChecks.ts): values each readable alone, refused alone or together.
  ['dovecot-tls', 'ssl = required', 'ssl = required\nimap_client_workarounds = foo', false],
  ['dovecot-tls', 'ssl = required', 'ssl = required\nimap_client_workarounds = tb-extra-mailbox-sep, outlook-idle', true],
  ['dovecot-tls', 'ssl = required', 'ssl = required\nauth_worker_max_count = 0', false],
  ['dovecot-tls', 'ssl = required', 'ssl = required\ndirector_user_expire = 5 s', false],
  ['dovecot-tls', 'ssl = required', 'ssl = required\nssl_verify_client_cert = yes', false],
  ['dovecot-maildir', 'mail_home = /var/mail/vhosts/%d/%n', 'mail_home = /var/mail/vhosts/%d/%n\nfirst_valid_uid = 5000\nprotocol imap {\n  last_valid_uid = 4999\n}', false],
  ['dovecot-maildir', 'mail_home = /var/mail/vhosts/%d/%n', 'mail_home = /var/mail/vhosts/%d/%n\nfirst_valid_uid = 5000\nlast_valid_uid = 5000', true],
  ['dovecot-maildir', 'mail_home = /var/mail/vhosts/%d/%n', 'mail_home = /var/mail/vhosts/%d/%n\nnamespace inbox {\n  inbox = yes\n  mailbox Sent {\n    special_use = Sent\n  }\n}', false],
  // And its service checks: one socket in two services, process_min_avail above the limit (default_process_limit, 100).
  ['postfix-lmtp', '    group = postfix\n  }\n}', '    group = postfix\n  }\n}\nservice auth {\n  unix_listener /var/spool/postfix/private/dovecot-lmtp {\n    mode = 0600\n  }\n}', false],
  ['postfix-lmtp', '    group = postfix\n  }\n}', '    group = postfix\n  }\n  process_min_avail = 2000\n}', false],
  ['postfix-lmtp', '    group = postfix\n  }\n}', '    group = postfix\n  }\n  vsz_limit = 512M\n  process_min_avail = 2\n}', true],
];

export async function foundCases(): Promise<Array<Case & { mutations: string[] }>> {
  const catalog = await ExerciseCatalog.load();
  return FOUND.map(([id, from, to, accepted]) => {
    const exercise = catalog.get(id)!;
    const answer = (exercise.solution as string).replace(from, to);
    if (answer === exercise.solution) throw new Error(`${id}: its solution no longer holds ${from}`);
    return { exercise, label: to, answer, expectPass: accepted, mutations: [to] };
  });
}

export async function differential(count: number, seed: number, corpus: Corpus = 'dns', only?: string): Promise<{ judged: number; disagreements: Disagreement[] }> {
  return judgeAgainstGrader(await mutatedCases(corpus, count, seed, only));
}

export async function judgeAgainstGrader(cases: Array<Case & { mutations: string[] }>): Promise<{ judged: number; disagreements: Disagreement[]; verdicts: Judged[] }> {
  const verdicts = await judgeAll(cases);
  const disagreements: Disagreement[] = [];
  for (const [i, v] of verdicts.entries()) {
    if (v.reasons === undefined) continue;
    const graded = await grade(v.exercise.grader.name, v.exercise.grader.params, v.answer, {});
    const toolsPass = v.reasons.length === 0;
    if (graded.passed === toolsPass) continue;
    const errors = graded.feedback.filter((f) => f.level === 'error');
    if (toolsPass && errors.length > 0 && errors.every((f) => DELIBERATE.has(f.code))) continue;
    disagreements.push({
      exercise: v.exercise.id,
      mutations: cases[i]!.mutations,
      answer: v.answer as string,
      grader: graded.passed ? 'passes' : errors.map((f) => `${f.code}: ${f.message.en ?? ''}`).join(' | '),
      tools: toolsPass ? 'accept' : v.reasons.join(' | '),
    });
  }
  return { judged: verdicts.filter((v) => v.reasons !== undefined).length, disagreements, verdicts };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 20);
  const seed = Number(process.argv[3] ?? 1);
  const corpus = (process.argv[4] ?? 'dns') as Corpus;
  const { judged, disagreements } = await differential(count, seed, corpus, process.argv[5]);
  for (const d of disagreements) console.log(`--- ${d.exercise} [${d.mutations.join('+')}]\n${d.answer}\n  grader: ${d.grader}\n  tools: ${d.tools}`);
  console.log(`${judged} mutated answers judged, ${disagreements.length} disagreements`);
}
