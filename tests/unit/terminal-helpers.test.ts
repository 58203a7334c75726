import { describe, expect, it } from 'vitest';
import { authStrings } from '../../site/lib/authHelper.js';
import { suggestVerb } from '../../site/lib/commandVerbs.js';
import { explainReply } from '../../site/lib/replyExplain.js';
import { sequenceDiagram } from '../../site/lib/sequenceDiagram.js';

describe('reply explanations', () => {
  it('explains SMTP codes on the last line of a reply only, in both languages', () => {
    expect(explainReply('smtp', '503 5.5.1 Error: need MAIL command')?.en).toMatch(/MAIL FROM, then RCPT TO/);
    expect(explainReply('smtp', '503 bad sequence')?.['zh-CN']).toMatch(/命令顺序错误/);
    // AUTH on port 25 is not a matter of order: the learner is sent to 587 or 465.
    const auth = explainReply('smtp', '503 5.5.1 Error: authentication not enabled. Port 25 takes mail between servers without a login', 'AUTH PLAIN AGFsaWNl');
    expect(auth?.en).toMatch(/submission port 587/);
    expect(auth?.['zh-CN']).toMatch(/提交端口 587/);
    expect(explainReply('smtp', '354 End data with <CR><LF>.<CR><LF>')?.en).toMatch(/only "\." \(a dot\)/);
    expect(explainReply('smtp', '250-PIPELINING')).toBeUndefined();
    expect(explainReply('smtp', 'hello')).toBeUndefined();
  });
  it('explains POP3 and IMAP status lines, with response codes', () => {
    expect(explainReply('pop3', '-ERR [IN-USE] busy')?.en).toMatch(/QUIT it first/);
    expect(explainReply('pop3', '+OK 3 messages')?.['zh-CN']).toBe('+OK：命令成功。');
    expect(explainReply('imap', 'a1 NO [TRYCREATE] no such mailbox')?.en).toMatch(/CREATE it/);
    expect(explainReply('imap', '* BAD Missing tag')?.en).toMatch(/starts with a tag/);
    expect(explainReply('imap', '* 3 EXISTS')).toBeUndefined();
  });
  it('explains what SORT, THREAD and ESEARCH answer, and the extensions\' response codes', () => {
    expect(explainReply('imap', '* SORT 4 3 2 1', 'a3 SORT (REVERSE DATE) UTF-8 ALL')?.en).toMatch(/order you asked for/);
    expect(explainReply('imap', '* THREAD (1 4)(2)(3)', 'a4 THREAD REFERENCES UTF-8 ALL')?.['zh-CN']).toMatch(/会话/);
    expect(explainReply('imap', '* ESEARCH (TAG "a5") MIN 1 MAX 4 COUNT 4', 'a5 SEARCH RETURN (MIN MAX COUNT) ALL')?.en).toMatch(/MIN and MAX are the first and last match/);
    expect(explainReply('imap', 'a6 NO [BADCHARSET (US-ASCII UTF-8)] Charset "X" is not supported', 'a6 SORT (DATE) X ALL')?.en).toMatch(/use UTF-8/);
    expect(explainReply('imap', 'a7 BAD Unknown sort criterion', 'a7 SORT (COLOUR) UTF-8 ALL')?.en).toMatch(/Example: a11 SORT \(REVERSE DATE\) UTF-8 ALL/);
    expect(suggestVerb('imap', 'TRHEAD')).toBe('THREAD');
  });
  it('explains keywords, change numbers (CONDSTORE) and VANISHED (QRESYNC), in both languages', () => {
    const flags = explainReply('imap', '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)', 'a2 SELECT INBOX');
    expect(flags?.en).toMatch(/keywords, which clients invent/);
    expect(flags?.['zh-CN']).toMatch(/关键字/);
    expect(explainReply('imap', '* OK [PERMANENTFLAGS (\\Seen \\*)] Flags', 'a2 SELECT INBOX')?.en).toMatch(/make up keywords of your own/);
    expect(explainReply('imap', '* 1 FETCH (FLAGS (\\Seen) MODSEQ (12))', 'a3 FETCH 1 (FLAGS MODSEQ)')?.en).toMatch(/change number/);
    expect(explainReply('imap', '* 1 FETCH (FLAGS (\\Seen))', 'a3 FETCH 1 FLAGS')).toBeUndefined();
    expect(explainReply('imap', '* OK [HIGHESTMODSEQ 12] Highest', 'a2 SELECT INBOX')?.['zh-CN']).toMatch(/CHANGEDSINCE/);
    expect(explainReply('imap', 'a4 OK [MODIFIED 2] Conditional STORE failed', 'a4 STORE 1:2 (UNCHANGEDSINCE 5) +FLAGS (\\Seen)')?.en).toMatch(/someone changed them after n/);
    expect(explainReply('imap', '* VANISHED (EARLIER) 3:5', 'a2 SELECT INBOX (QRESYNC (1 2))')?.en).toMatch(/EARLIER means while you were away/);
    expect(explainReply('imap', '* OK [NOTIFICATIONOVERFLOW] Too many', undefined)?.en).toMatch(/NOTIFY SET again/);
    expect(explainReply('imap', 'a5 NO [CANNOT] Keyword length too long', 'a5 STORE 1 +FLAGS (x)')?.['zh-CN']).toMatch(/关键字/);
    expect(explainReply('imap', 'a6 NO [UNAVAILABLE] Too much mail is being received', 'a6 APPEND INBOX {5}')?.en).toMatch(/Try again in a minute/);
  });
});

describe('did you mean', () => {
  it('suggests the command one or two typos away, and nothing for a word that is no typo', () => {
    expect(suggestVerb('imap', 'FECTH')).toBe('FETCH');
    expect(suggestVerb('smtp', 'dtaa')).toBe('DATA');
    expect(suggestVerb('smtp', 'EHOL')).toBe('EHLO');
    expect(suggestVerb('pop3', 'RTER')).toBe('RETR');
    expect(suggestVerb('imap', 'SELCET')).toBe('SELECT');
    expect(suggestVerb('smtp', 'HELLO')).toBe('HELO');
    expect(suggestVerb('smtp', 'DATA')).toBeUndefined();
    expect(suggestVerb('smtp', 'BANANA')).toBeUndefined();
  });
});

describe('AUTH helper', () => {
  it('builds AUTH PLAIN and AUTH LOGIN strings that servers decode back', () => {
    const a = authStrings('alice@example.com', 'secret');
    expect(a.plain).toBe(`AUTH PLAIN ${Buffer.from('\0alice@example.com\0secret').toString('base64')}`);
    expect(a.login).toEqual([Buffer.from('alice@example.com').toString('base64'), Buffer.from('secret').toString('base64')]);
    expect(a.plainDecoded).toBe('\\0alice@example.com\\0secret');
    expect(Buffer.from(authStrings('张', '密码').login[0], 'base64').toString('utf8')).toBe('张');
  });
});

describe('session sequence diagram', () => {
  it('draws commands and replies as arrows, folding multi-line replies and the message body', () => {
    const text = sequenceDiagram(
      [
        { dir: 'S', text: '220 mail.example.com ESMTP MailLab' },
        { dir: 'C', text: 'EHLO me' },
        { dir: 'S', text: '250-mail.example.com' },
        { dir: 'S', text: '250 SIZE 100' },
        { dir: 'C', text: 'MAIL FROM:<a@example.com>' },
        { dir: 'S', text: '250 Accepted' },
        { dir: 'C', text: 'DATA' },
        { dir: 'S', text: '354 End data' },
        { dir: 'C', text: 'Subject: x; y #1' },
        { dir: 'C', text: '' },
        { dir: 'C', text: '.' },
        { dir: 'S', text: '250 Ok' },
        { dir: 'I', text: 'closed' },
      ],
      'mail.example.com:25',
    );
    const lines = text.split('\n').map((l) => l.trim());
    expect(lines[0]).toBe('sequenceDiagram');
    expect(lines).toContain('S-->>C: 250 SIZE 100 (+1 line)');
    expect(lines).toContain('C->>S: MAIL FROM:#lt;a@example.com#gt;');
    expect(lines).toContain('C->>S: message (2 lines)');
    expect(text).not.toContain('Subject: x; y');
    expect(lines).toContain('Note over C,S: closed');
  });
});
