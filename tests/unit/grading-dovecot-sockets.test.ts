/**
 * Where Postfix and Dovecot meet (postfixDovecot.ts): the sockets' owners and modes as Dovecot
 * reads them (socketAccess.ts), the SASL words both sides read exactly, and Dovecot 2.3's
 * protocols (dovecotProtocols.ts), each as the real Postfix and Dovecot here judged it.
 */
import { describe, expect, it } from 'vitest';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { gradePostfixLmtp, gradePostfixSasl } from '../../lab-server/src/grading/config/postfixDovecot.js';
import type { FeedbackLine } from '../../lab-server/src/grading/feedback.js';

const codes = (lines: FeedbackLine[]): string[] => lines.filter((l) => l.level !== 'ok').map((l) => `${l.level}:${l.code}`);

describe("Dovecot's socket for Postfix", () => {
  const answer = (listener: string): string => ['==> /etc/postfix/main.cf <==', 'smtpd_sasl_type = dovecot', 'smtpd_sasl_path = private/auth', '', '==> /etc/dovecot/conf.d/10-master.conf <==', 'service auth {', '  unix_listener /var/spool/postfix/private/auth {', ...listener.split('|').map((l) => `    ${l}`), '  }', '}'].join('\n');
  const graded = async (listener: string): Promise<string[]> => codes(await gradePostfixSasl(answer(listener), {}));
  it('a user or group the machine does not have stops Dovecot ("service(auth) Group doesn\'t exist: none"); names only, case-sensitive', async () => {
    expect(await graded('mode = 0660|user = postfix|group = none')).toEqual(['error:sasl.listener-owner']);
    expect(await graded('mode = 0600|user = Postfix')).toEqual(['error:sasl.listener-owner']);
    expect(await graded('mode = 0600|user = 103')).toEqual(['error:sasl.listener-owner']);
    expect(await graded('mode = 0600|user = $default_internal_user')).toEqual(['error:sasl.listener-perm']);
    expect(await graded('mode = 0660|user = vmail|group = postfix')).toEqual([]);
  });

  it('reads the mode as Dovecot does: octal after a leading 0, else decimal, else refused', async () => {
    // A mode doveconf cannot read is the whole file refused, said where the file is read (dovecotValues.ts).
    const refused = await gradePostfixSasl(answer('mode = 0668|user = postfix'), {});
    expect(codes(refused)).toEqual(['error:dovecot.syntax']);
    expect(refused.find((l) => l.level === 'error')!.message.en).toMatch(/mode = 0668: doveconf refuses the whole file \("Invalid number: 0668"\).*octal with a leading 0/);
    // 660 is 01224: the owner may write, so Postfix connects; 666 is 01232: everyone may write.
    expect(await graded('mode = 660|user = postfix')).toEqual(['warn:sasl.listener-decimal']);
    expect(await graded('mode = 666|user = postfix')).toEqual(['warn:sasl.listener-decimal', 'error:sasl.listener-world']);
    // Kept in an unsigned int: doveconf prints 0177777777777777777777 as 037777777777, writable by everyone.
    expect(await graded('mode = 0177777777777777777777|user = postfix')).toEqual(['error:sasl.listener-world']);
    expect(await graded('mode = 040000000600|user = postfix')).toEqual([]);
  });

  it('connecting needs only write permission, checked in the owner\'s bits for the owner', async () => {
    expect(await graded('mode = 0622|user = postfix')).toEqual(['error:sasl.listener-world']);
    expect(await graded('mode = 0200|user = postfix')).toEqual([]);
    expect(await graded('mode = 0060|user = postfix|group = postfix')).toEqual(['error:sasl.listener-perm']);
    expect(await graded('mode = 0660|group = postfix')).toEqual([]);
  });
});

describe('the SASL words both sides read exactly', () => {
  it('the SASL type in lower case ("unsupported SASL server implementation: Dovecot")', async () => {
    const answer = (type: string): string => ['==> /etc/postfix/main.cf <==', `smtpd_sasl_type = ${type}`, 'smtpd_sasl_path = private/auth', '', '==> /etc/dovecot/conf.d/10-master.conf <==', 'service auth {', '  unix_listener /var/spool/postfix/private/auth {', '    mode = 0600', '    user = postfix', '  }', '}'].join('\n');
    expect(codes(await gradePostfixSasl(answer('Dovecot'), {}))).toEqual(['error:sasl.type-case']);
    expect(codes(await gradePostfixSasl(answer('dovecot'), {}))).toEqual([]);
    // Dovecot's mechanisms are separated by spaces only; their case does not matter.
    expect(codes(await gradePostfixSasl(`${answer('dovecot')}\nauth_mechanisms = plain, login`, {}))).toEqual(['error:sasl.mechanism-unknown']);
    expect(codes(await gradePostfixSasl(`${answer('dovecot')}\nauth_mechanisms = PLAIN  login`, {}))).toEqual([]);
    expect(codes(await gradePostfixSasl(`${answer('dovecot')}\nauth_mechanisms = login`, {}))).toEqual(['error:sasl.mechanisms']);
  });

  it("the mechanisms this Dovecot's auth has (asked of it): no GSSAPI without dovecot-gssapi, NTLM and GSS-SPNEGO only by winbind", async () => {
    const answer = (auth: string): string => ['==> /etc/postfix/main.cf <==', 'smtpd_sasl_type = dovecot', 'smtpd_sasl_path = private/auth', '', '==> /etc/dovecot/conf.d/10-master.conf <==', 'service auth {', '  unix_listener /var/spool/postfix/private/auth {', '    mode = 0600', '    user = postfix', '  }', '}', auth].join('\n');
    const refused = async (auth: string): Promise<string | undefined> => (await gradePostfixSasl(answer(auth), {})).find((l) => l.code === 'sasl.mechanism-unknown')?.message.en;
    expect(await refused('auth_mechanisms = plain gssapi')).toMatch(/no mechanism "gssapi" \(GSSAPI comes with the dovecot-gssapi package/);
    expect(await refused('auth_mechanisms = plain NTLM')).toMatch(/no mechanism "NTLM" \(Dovecot does NTLM only through Samba's winbind, with auth_use_winbind = yes\)/);
    expect(await refused('auth_mechanisms = plain gss-spnego\nauth_use_winbind = no')).toMatch(/GSS-SPNEGO only through Samba's winbind/);
    expect(await refused('auth_mechanisms = plain ntlm gss-spnego\nauth_use_winbind = Y')).toBeUndefined();
    expect(await refused('auth_mechanisms = plain gssapi\nauth_use_winbind = yes')).toMatch(/dovecot-gssapi/);
    expect(await refused('auth_mechanisms = plain OTP')).toMatch(/no mechanism "OTP" \(OTP needs a passdb [^)]*\).*"OTP mechanism can't be supported with given passdbs"/);
  });
});

describe("Dovecot 2.3's protocols", () => {
  const protocolsOf = (text: string) => {
    const conf = parseDovecotConf(text);
    return conf.problems.map((p) => p.message.en);
  };
  it('are separated by spaces only, and $protocols is the earlier value only as a word of its own outside quotes', () => {
    expect(protocolsOf('protocols = imap pop3\nprotocols = $protocols lmtp')).toEqual([]);
    // "$protocols," is a variable of that name to Dovecot when it starts (doveconf -x; -n says "Unknown protocol").
    expect(protocolsOf('protocols = imap pop3\nprotocols = $protocols, lmtp')).toEqual([expect.stringMatching(/"Unknown variable: \$protocols,"/)]);
    expect(protocolsOf('protocols = imap, pop3 lmtp')).toEqual([expect.stringMatching(/no protocol "imap,"/)]);
    expect(protocolsOf('protocols = imap\tlmtp')).toEqual([expect.stringMatching(/no protocol "imap\tlmtp"/)]);
    expect(protocolsOf('protocols = imap\nprotocols = "$protocols lmtp"')).toEqual([expect.stringMatching(/no protocol "\$protocols"/)]);
    expect(protocolsOf('protocols = none')).toEqual([]);
    expect(protocolsOf('protocols = none lmtp')).toEqual([expect.stringMatching(/no protocol "none"/)]);
    expect(protocolsOf('dovecot_config_version = 2.4.0\nprotocols = imap, lmtp')).toEqual([]);
  });

  it('without lmtp: the value quoted as written, and a hint doveconf takes (no "none", no double space)', async () => {
    const answer = (protocols: string): string => ['==> /etc/postfix/main.cf <==', 'virtual_transport = lmtp:unix:private/dovecot-lmtp', '', '==> /etc/dovecot/dovecot.conf <==', protocols, 'service lmtp {', '  unix_listener /var/spool/postfix/private/dovecot-lmtp {', '    mode = 0600', '    user = postfix', '  }', '}'].join('\n');
    const said = async (protocols: string) => (await gradePostfixLmtp(answer(protocols), {})).filter((l) => l.level !== 'ok').map((l) => `${l.code}: ${l.message.en.split(':')[0]} | ${l.hint!.en}`);
    expect(await said('protocols = none')).toEqual(['lmtp.protocol: protocols = none | Add lmtp: "protocols = lmtp".']);
    expect(await said('protocols =')).toEqual(['lmtp.protocol: protocols is empty | Add lmtp: "protocols = lmtp".']);
    const zh = (await gradePostfixLmtp(answer('protocols = none'), {})).find((l) => l.code === 'lmtp.protocol')!;
    expect([zh.message['zh-CN'].split('：')[0], zh.hint!['zh-CN']]).toEqual(['protocols = none', '加上 lmtp："protocols = lmtp"。']);
    expect(await said('protocols = imap\nprotocols = $protocols pop3')).toEqual(['lmtp.protocol: protocols = $protocols pop3 (Dovecot reads "imap pop3") | Add lmtp: "protocols = imap pop3 lmtp".']);
    // A value doveconf refuses is said once, by the syntax error (it does not drop imap from its hint).
    expect((await said('protocols = imap, pop3')).map((l) => l.split(':')[0])).toEqual(['dovecot.syntax']);
    expect((await said('protocols = imap\tlmtp')).map((l) => l.split(':')[0])).toEqual(['dovecot.syntax']);
  });
});
