/**
 * Quizzes (choice and normalised fill-in) and the transcript readers protocol graders use.
 */
import { describe, expect, it } from 'vitest';
import type { Transcript } from '../../lab-server/src/world/transcriptRecord.js';
import { imapExchanges, pathArgument, pop3Exchanges, smtpExchanges, smtpTransactions } from '../../lab-server/src/grading/protocol/dialogue.js';
import { gradeQuiz, normalise, publicQuestions, type QuizParams } from '../../lab-server/src/grading/quiz/quiz.js';

const quiz: QuizParams = {
  questions: [
    { id: 'one', type: 'choice', prompt: { en: 'One?', 'zh-CN': '一？' }, options: [{ id: 'a', label: { en: 'A', 'zh-CN': '甲' } }, { id: 'b', label: { en: 'B', 'zh-CN': '乙' } }], correct: ['a'], explain: { en: 'Because A.', 'zh-CN': '因为甲。' } },
    { id: 'many', type: 'choice', prompt: { en: 'Many?', 'zh-CN': '多？' }, options: [{ id: 'a', label: { en: 'A', 'zh-CN': '甲' } }, { id: 'b', label: { en: 'B', 'zh-CN': '乙' } }, { id: 'c', label: { en: 'C', 'zh-CN': '丙' } }], correct: ['a', 'c'], explain: { en: 'A and C.', 'zh-CN': '甲和丙。' } },
    { id: 'port', type: 'fill', prompt: { en: 'Port?', 'zh-CN': '端口？' }, accept: ['587'], explain: { en: 'Submission.', 'zh-CN': '提交。' } },
    { id: 'cmd', type: 'fill', prompt: { en: 'Command?', 'zh-CN': '命令？' }, accept: ['MAIL FROM'], explain: { en: 'Envelope.', 'zh-CN': '信封。' } },
  ],
};

describe('quiz', () => {
  it('normalises fill-ins: full-width, case, spaces, quotes, a final full stop', () => {
    expect(normalise(' ５８７ ')).toBe('587');
    expect(normalise('“Mail   From”。')).toBe('mail from');
    expect(normalise("'tmp'.")).toBe('tmp');
  });

  it('needs every right option of a multiple choice and no wrong one', async () => {
    const r = await gradeQuiz({ one: 'a', many: ['c', 'a'], port: '５８７', cmd: 'mail  from' }, quiz);
    expect(r.every((l) => l.level === 'ok')).toBe(true);
    const wrong = await gradeQuiz({ one: 'b', many: ['a'], port: '25', cmd: ['MAIL FROM'] }, quiz);
    expect(wrong.map((l) => l.level)).toEqual(['error', 'error', 'error', 'error']);
    expect(wrong[0]!.hint).toEqual({ en: 'Because A.', 'zh-CN': '因为甲。' });
    const extra = await gradeQuiz({ one: 'a', many: ['a', 'b', 'c'], port: '587', cmd: 'MAIL FROM' }, quiz);
    expect(extra.filter((l) => l.level === 'error').map((l) => l.code)).toEqual(['quiz.many']);
  });

  it('says which questions were not answered', async () => {
    const r = await gradeQuiz({ one: 'a' }, quiz);
    expect(r.filter((l) => l.level === 'error').map((l) => l.message.en)).toEqual(['Not answered: Many?', 'Not answered: Port?', 'Not answered: Command?']);
  });

  it('shows questions without their answers', () => {
    const view = JSON.stringify(publicQuestions(quiz));
    expect(view).not.toMatch(/correct|accept|explain|587|MAIL FROM/);
    expect(publicQuestions(quiz)[1]).toMatchObject({ multiple: true });
  });
});

function transcript(service: Transcript['header']['service'], lines: Array<[dir: 'C' | 'S' | 'I', text: string, tls?: boolean]>): Transcript {
  return { header: { session: 's', service, startedAt: '2026-01-01T00:00:00Z' }, lines: lines.map(([dir, text, tls]) => ({ t: '2026-01-01T00:00:00Z', dir, text, ...(tls ? { tls } : {}) })) };
}

describe('reading transcripts', () => {
  it('pairs SMTP commands with multi-line and pipelined replies and collects DATA', () => {
    const t = transcript('smtp', [
      ['S', '220 mail.example.com ESMTP'],
      ['C', 'EHLO me'],
      ['S', '250-mail.example.com'],
      ['S', '250 PIPELINING'],
      ['C', 'MAIL FROM:<Alice@Example.com>'],
      ['C', 'RCPT TO: <bob@example.com>'],
      ['C', 'DATA'],
      ['S', '250 2.1.0 Ok'],
      ['S', '250 2.1.5 Ok'],
      ['S', '354 End data with <CR><LF>.<CR><LF>'],
      ['C', 'Subject: hi'],
      ['C', ''],
      ['C', '..dot'],
      ['C', '.'],
      ['S', '250 2.0.0 Ok: queued as ABC123'],
    ]);
    const xs = smtpExchanges(t);
    expect(xs.map((x) => `${x.verb}:${x.status}`)).toEqual(['EHLO:250', 'MAIL:250', 'RCPT:250', 'DATA:354', '.:250']);
    const [tx] = smtpTransactions(xs);
    expect(tx!.queueId).toBe('ABC123');
    expect(tx!.end!.data).toEqual(['Subject: hi', '', '..dot']);
    expect(pathArgument(tx!.mailFrom!.command)).toBe('alice@example.com');
    expect(pathArgument(tx!.rcpts[0]!.command)).toBe('bob@example.com');
  });

  it('keeps POP3 multi-line replies whole and un-stuffs them', () => {
    const xs = pop3Exchanges(transcript('pop3', [
      ['S', '+OK POP3 ready'],
      ['C', 'LIST'],
      ['S', '+OK 1 messages'],
      ['S', '1 120'],
      ['S', '.'],
      ['C', 'RETR 1'],
      ['S', '+OK 120 octets'],
      ['S', 'Subject: x'],
      ['S', '..leading dot'],
      ['S', '.'],
      ['C', 'LIST 1'],
      ['S', '+OK 1 120'],
      ['C', 'DELE 9'],
      ['S', '-ERR no such message'],
    ]));
    expect(xs.map((x) => `${x.verb}:${x.status}`)).toEqual(['LIST:+OK', 'RETR:+OK', 'LIST:+OK', 'DELE:-ERR']);
    expect(xs[1]!.reply).toEqual(['+OK 120 octets', 'Subject: x', '.leading dot']);
  });

  it('matches IMAP tagged completions to their commands', () => {
    const xs = imapExchanges(transcript('imap', [
      ['S', '* OK IMAP4rev2 ready'],
      ['C', 'a1 LOGIN alice secret'],
      ['S', 'a1 OK LOGIN completed'],
      ['C', 'a2 uid store 1 +FLAGS (\\Flagged)'],
      ['S', '* 1 FETCH (FLAGS (\\Flagged) UID 1)'],
      ['S', 'a2 OK STORE completed'],
    ]));
    expect(xs.map((x) => `${x.verb}:${x.status}`)).toEqual(['LOGIN:OK', 'UID STORE:OK']);
    expect(xs[1]!.reply[0]).toContain('FETCH');
  });
});
