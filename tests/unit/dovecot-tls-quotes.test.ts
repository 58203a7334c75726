/**
 * Quotes around a certificate's file in dovecot.conf, as the real Dovecot 2.3 takes them (the
 * differential judge started it with each): "<" inside quotes is the value's first character, so
 * the value is taken for the PEM text ("There is no valid PEM certificate", no TLS); quotes after
 * "<" are part of the file name, which does not exist, and Dovecot does not start. The grader
 * refused both, but said "without <" of a value that shows one, and named the file as if right.
 */
import { describe, expect, it } from 'vitest';
import { gradeDovecotTls } from '../../lab-server/src/grading/config/tls.js';

const PARAMS = { cert: '/etc/ssl/mail/fullchain.pem', key: '/etc/ssl/mail/privkey.pem' };
const answer = (cert: string, key: string) => `ssl = required\n${cert}\n${key}`;
const errors = async (text: string) => (await gradeDovecotTls(text, PARAMS)).filter((l) => l.level === 'error');

describe('quotes around a certificate file in dovecot.conf', () => {
  it('inside them "<" is no file marker: said so, with the line to write, in both languages', async () => {
    const [e] = await errors(answer('ssl_cert = "</etc/ssl/mail/fullchain.pem"', 'ssl_key = </etc/ssl/mail/privkey.pem'));
    expect(e!.code).toBe('dovecot.no-lt');
    expect(e!.message.en).toMatch(/^Line 2: ssl_cert = "<\/etc\/ssl\/mail\/fullchain\.pem": inside quotes "<" is no file marker.*"There is no valid PEM certificate"/);
    expect(e!.message['zh-CN']).toMatch(/在引号里 "<" 不是读取文件的标记/);
    expect(e!.hint!.en).toBe('Write it without quotes: "ssl_cert = </etc/ssl/mail/fullchain.pem".');
  });

  it('after "<" they are part of the file name Dovecot opens', async () => {
    const [e] = await errors(answer('ssl_cert = </etc/ssl/mail/fullchain.pem', `ssl_key = <'/etc/ssl/mail/privkey.pem'`));
    expect(e!.code).toBe('dovecot.cert-path');
    expect(e!.message.en).toMatch(/^Line 3: after "<" the quotes are part of the file name: Dovecot opens '\/etc\/ssl\/mail\/privkey\.pem', quotes and all/);
    expect(e!.message['zh-CN']).toMatch(/"<" 之后的引号是文件名的一部分/);
    expect(e!.hint!['zh-CN']).toBe('不要加引号："ssl_key = </etc/ssl/mail/privkey.pem"。');
  });
});
