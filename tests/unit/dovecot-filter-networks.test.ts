/**
 * The networks of "local" and "remote" filters beside the real doveconf (dovecotNet.ts): doveconf
 * reads an address as net_addr2ip and inet_aton do ("127.1", "0x7f.1", "[::1]"), looks any other
 * word up as a host name when it reads the file, and refuses the whole file when the name does not
 * resolve. The grader once took "local mail.example.com" (doveconf: "gethostbyname(mail.example.com)
 * failed") and matched "local 127.1" and "local 127.0.0.1" as different filters. And protocols
 * written inside a filter, which doveconf checks as at the top level.
 */
import { describe, expect, it } from 'vitest';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { readDovecotNet } from '../../lab-server/src/grading/config/dovecotNet.js';
import { doveconfComplaint } from '../realtools/dovecot.js';
import { inPool } from '../realtools/process.js';

const NETS = ['localhost', 'LOCALHOST', 'localhost/8', 'localhost/33', 'ip6-localhost', 'localhost.localdomain', 'localhost.', 'mail.example.com',
  'mail.example.com/8', 'mail.example.com/33', '-x', 'foo_bar', '127.1', '0x7f.1', '012.0.0.1', '"10.0.0.1 10.0.0.2"', '10.0.0.1x', '4294967295',
  '4294967296', '1.2.3.256', '"10.0.0.1/8 x"', '::ffff:1.2.3.4', '[::1]', '[::1]/64', '[::1]/129', '127.0.0.1/8', '127.1/8', '127.1/33', '0x',
  '0x7f.0x0.0.1', '1.2.3', '1.2.65535', '1.2.65536', '1..2', '077777777777', '0.0.0.0/0', '::/0', '10.0.0.0/8x', '01.02.03.04/24'];

const namespaces = (kind: string, a: string, b: string): string => `${kind} ${a} {\n  namespace a {\n    prefix = a/\n  }\n}\n${kind} ${b} {\n  namespace b {\n    prefix = b/\n    alias_for = a/\n  }\n}`;

const FILES = [
  ...NETS.map((n) => `local ${n} {\n  mail_debug = yes\n}`),
  ...['local', 'remote'].flatMap((kind) => [
    // One network written two ways is one filter: the namespace of one serves the other.
    `${kind} localhost {\n  mail_debug = yes\n}\n${kind} 127.0.0.1 {\n  mail_debug = no\n}`,
    `${kind} 127.0.0.0/8 {\n  protocol imap {\n    mail_debug = yes\n  }\n}\n${kind} localhost {\n  mail_debug = no\n}`,
    namespaces(kind, '127.1', '127.0.0.1'),
    namespaces(kind, '10.0.0.0/8', '0x0a.1'),
    namespaces(kind, '11.0.0.0/8', '0x0a.1'),
    namespaces(kind, 'localhost', '127.0.0.1'),
  ]),
  // protocols inside a filter is read too ("protocols: Unknown protocol: foo"); the grader once read only the top level's.
  'protocols = imap\nprotocol imap {\n  protocols = foo\n}', 'protocol imap {\n  protocols = foo\n  protocols = imap\n}', 'protocol imap {\n  protocols = none\n}',
  'protocol imap {\n  protocols = $protocols lmtp\n}', 'protocol imap {\n  protocols = imap,lmtp\n}\nprotocol pop3 {\n  protocols = bar\n}', 'remote 10.0.0.0/8 {\n  protocols = x\n}', 'protocols = imap sieve',
];

describe('local and remote networks, beside doveconf', () => {
  it('refuse exactly the files doveconf refuses, quoting its words', { timeout: 120_000 }, async () => {
    const verdicts = await inPool(FILES, 4, async (file) => ({ file, doveconf: await doveconfComplaint(file), grader: parseDovecotConf(file).problems.map((p) => p.message.en) }));
    expect(verdicts.filter((v) => (v.doveconf === 'takes') !== (v.grader.length === 0) || (v.doveconf !== 'takes' && !v.grader.some((m) => m.includes(v.doveconf))))).toEqual([]);
    expect(verdicts.filter((v) => v.doveconf === 'takes').length).toBeGreaterThan(20);
    expect(verdicts.filter((v) => v.doveconf !== 'takes').length).toBeGreaterThan(15);
  });

  it('read addresses as doveconf prints them (doveconf -n: "local 127.0.0.1 {" for "local 0x7f.1 {")', () => {
    expect(readDovecotNet('0x7f.1')).toEqual({ bytes: [127, 0, 0, 1], bits: 32 });
    expect(readDovecotNet('012.0.0.1')).toEqual({ bytes: [12, 0, 0, 1], bits: 32 });
    expect(readDovecotNet('1.2.65535/16')).toEqual({ bytes: [1, 2, 255, 255], bits: 16 });
    expect(readDovecotNet('[::1]/64')).toEqual({ bytes: [...Array<number>(15).fill(0), 1], bits: 64 });
    expect(readDovecotNet('mail.example.com/8')).toEqual({ said: 'gethostbyname(mail.example.com) failed: Name or service not known' });
  });

  it('say why a name is refused and what to write, in both languages', () => {
    const [problem] = parseDovecotConf('remote mail.example.com {\n  mail_debug = yes\n}').problems;
    expect(problem!.line).toBe(1);
    expect(problem!.message.en).toMatch(/gethostbyname\(mail\.example\.com\) failed.*looks a host name up.*only its first address.*"remote 192\.0\.2\.25 \{"/);
    expect(problem!.message['zh-CN']).toMatch(/gethostbyname.*主机名.*"remote 192\.0\.2\.25 \{"/);
  });
});
