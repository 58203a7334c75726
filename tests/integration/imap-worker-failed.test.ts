/**
 * A message a worker thread cannot read in time (workers/pool.ts ends a job past its time):
 * each command says what fits it, and an APPEND that stored its message says OK. Here the real
 * pool is given a 1 ms job time, so every job that goes to a worker (a message over 32 kB
 * parsed, searched or converted) runs past it; a 300 kB message of 30,000 parts takes longer.
 * Before, every command was told "Fetch fewer messages, or delete that one", and an APPEND whose
 * message was stored, then not described in time, answered NO: a client sent it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailWorkers, type PoolOptions } from '../../lab-server/src/workers/pool.js';
import { explainReply } from '../../site/lib/replyExplain.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { imapLogin, imapTagged, type RawClient } from '../helpers/rawSocket.js';

const options = (mailWorkers as unknown as { options: PoolOptions }).options;
const jobTimeout = options.jobTimeoutMs;
const BIG = `From: a@example.com\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n${'--zz\r\n\r\nx\r\n'.repeat(30_000)}--zz--\r\n`;

let lab: TestLab;
let c: RawClient;
const send = (tag: string, command: string): Promise<string> => c.command(`${tag} ${command}`, imapTagged(tag), 60_000);
const messages = async (): Promise<number> => Number(/MESSAGES (\d+)/.exec(await send('s', 'STATUS INBOX (MESSAGES)'))![1]);

beforeAll(async () => {
  lab = await startTestLab();
  c = await imapLogin(lab.port('imap'));
  options.jobTimeoutMs = 1;
});
afterAll(async () => {
  options.jobTimeoutMs = jobTimeout;
  c?.close();
  await lab?.dispose();
});

describe('a message a worker cannot read in time', () => {
  it('is stored by APPEND with OK and its UID, once', async () => {
    const before = await messages();
    const answer = await send('a1', `APPEND INBOX {${BIG.length}+}\r\n${BIG}`);
    expect(answer).toMatch(/^a1 OK \[APPENDUID \d+ \d+\] APPEND completed/m);
    expect(await messages()).toBe(before + 1);
  });

  it('tells FETCH and UID FETCH to fetch fewer messages or less of each, SEARCH to search fewer', async () => {
    const n = await messages();
    await send('a2', 'SELECT INBOX');
    const fetch = await send('a3', `FETCH ${n} BODYSTRUCTURE`);
    expect(fetch).toMatch(/^a3 NO \[LIMIT\] A message here is too big or too complex to fetch: The work took longer than 0 seconds and was stopped\. Fetch fewer messages at a time \(e\.g\. a3 FETCH 1:20 ENVELOPE\) or less of each/m);
    const uid = /UID (\d+)/.exec(await send('a4', `FETCH ${n} UID`))![1];
    expect(await send('a5', `UID FETCH ${uid} BODYSTRUCTURE`)).toMatch(/^a5 NO \[LIMIT\] A message here is too big or too complex to fetch: .* Fetch fewer messages at a time \(e\.g\. a5 FETCH 1:20 ENVELOPE\)/m);
    expect(await send('a6', 'SEARCH BODY "nothing"')).toMatch(/^a6 NO \[LIMIT\] A message here is too big or too complex to search: .* Search fewer messages \(e\.g\. a6 SEARCH 1:100 BODY "word"\), or use keys that do not read the messages/m);
    expect(await send('a7', 'UID SEARCH TEXT "nothing"')).toMatch(/^a7 NO \[LIMIT\] A message here is too big or too complex to search/m);
  });

  it('tells an APPEND of a literal8 it could not convert that nothing was stored', async () => {
    const before = await messages();
    const answer = await send('a8', `APPEND INBOX ~{${BIG.length}+}\r\n${BIG}`);
    expect(answer).toMatch(/^a8 NO \[LIMIT\] The message is too big or too complex to store: .*\. Nothing was stored\. Send a smaller or simpler message/m);
    expect(await messages()).toBe(before);
  });

  it('is explained in the terminal in both languages, by what the command was', () => {
    const explain = (line: string, command: string): { en: string; 'zh-CN': string } => explainReply('imap', line, command) as { en: string; 'zh-CN': string };
    const fetch = explain('a5 NO [LIMIT] A message here is too big or too complex to fetch: The work took longer than 30 seconds and was stopped. Fetch fewer messages at a time', 'a5 UID FETCH 9 BODYSTRUCTURE');
    expect(fetch.en).toMatch(/Fetch fewer messages at a time/);
    expect(fetch['zh-CN']).toMatch(/一次少取几封/);
    const search = explain('a6 NO [LIMIT] A message here is too big or too complex to search: x. Search fewer messages', 'a6 SEARCH BODY "x"');
    expect(search.en).toMatch(/Search fewer messages/);
    expect(search['zh-CN']).toMatch(/缩小搜索范围/);
    const store = explain('a8 NO [LIMIT] The message is too big or too complex to store: x. Nothing was stored.', 'a8 APPEND INBOX ~{9}');
    expect(store.en).toMatch(/nothing was stored/);
    expect(store['zh-CN']).toMatch(/什么都没有保存/);
  });
});
