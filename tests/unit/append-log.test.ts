import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppendLog } from '../../lab-server/src/files/appendLog.js';
import { listAuthReports, readAuthReport, saveAuthReport, type AuthReport } from '../../lab-server/src/world/authReports.js';
import { Sandbox } from '../../lab-server/src/world/sandbox.js';
import { defaultWorld } from '../../lab-server/src/world/definition.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-appendlog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (path: string): Promise<string[]> => (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('AppendLog', () => {
  it('writes every line once, in order, and resolves each append only once its line is in the file', async () => {
    const log = new AppendLog(join(dir, 'sub', 'a.log'), 1024 * 1024);
    const first = log.append('one');
    const rest = Array.from({ length: 500 }, (_, i) => log.append(`line ${i}`));
    await first;
    expect((await lines(join(dir, 'sub', 'a.log')))[0]).toBe('one');
    await Promise.all(rest);
    expect(await lines(join(dir, 'sub', 'a.log'))).toEqual(['one', ...Array.from({ length: 500 }, (_, i) => `line ${i}`)]);
    await log.close();
  });

  it('rotates to .1 past its size limit and loses no line', async () => {
    const file = join(dir, 'r.log');
    const log = new AppendLog(file, 200);
    for (let i = 0; i < 40; i++) await log.append(`entry ${String(i).padStart(2, '0')} ${'x'.repeat(20)}`);
    await log.close();
    const current = await lines(file);
    const rotated = await lines(`${file}.1`);
    expect(rotated.length).toBeGreaterThan(0);
    expect((await readFile(file)).length).toBeLessThan(400);
    // What the two files hold is the tail of what was written, in order, without gaps.
    const kept = [...rotated, ...current].map((l) => Number(l.split(' ')[1]));
    expect(kept.at(-1)).toBe(39);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 40 - kept.length + i));
  });

  it('opens the file again after close(), and makes the directory again if it was removed', async () => {
    const file = join(dir, 'gone', 'b.log');
    const log = new AppendLog(file, 1024);
    await log.append('before');
    await log.close();
    await rm(join(dir, 'gone'), { recursive: true });
    await log.append('after');
    expect(await lines(file)).toEqual(['after']);
    await log.close();
  });

  it('counts bytes another writer left in the file before it', async () => {
    const file = join(dir, 'c.log');
    await appendFile(file, 'y'.repeat(300) + '\n');
    const log = new AppendLog(file, 200);
    await log.append('first');
    await log.append('second');
    await log.close();
    // The old 301 bytes were already over the limit: they went to .1 before the first new line.
    expect(await lines(`${file}.1`)).toEqual(['y'.repeat(300)]);
    expect(await lines(file)).toEqual(['first', 'second']);
  });
});

describe('auth reports', () => {
  const report = (id: string, at: number): AuthReport => ({
    id,
    receivedAt: new Date(at).toISOString(),
    host: 'mail.example.com',
    client: { address: '127.0.0.1', hostname: '', helo: 'x', labServer: false },
    envelopeFrom: 'a@example.com',
    recipients: ['bob@example.com'],
    outcome: 'INBOX',
    header: 'Authentication-Results: mail.example.com; none\r\n',
    spf: 'none',
    dkim: 'none',
    dmarc: 'none',
    disposition: 'deliver',
    policyApplied: false,
    steps: [],
  });

  it('lists the newest first, finds one by id, and skips a half-written last line', async () => {
    // A sandbox's directory exists (its writers make their own directories in it, never it).
    await mkdir(join(dir, 't1'));
    const sandbox = new Sandbox('t1', join(dir, 't1'), defaultWorld());
    const ids = Array.from({ length: 30 }, (_, i) => `ABCDEF${String(i).padStart(4, '0')}`);
    await Promise.all(ids.map((id, i) => saveAuthReport(sandbox, report(id, Date.UTC(2026, 0, 1, 0, 0, i)))));
    await appendFile(join(dir, 't1', 'auth', 'reports.jsonl'), '{"id":"ABCDEF9999","receivedAt":"20');
    const listed = await listAuthReports(sandbox);
    expect(listed.map((r) => r.id)).toEqual([...ids].reverse());
    expect((await readAuthReport(sandbox, ids[7]!))?.receivedAt).toBe(new Date(Date.UTC(2026, 0, 1, 0, 0, 7)).toISOString());
    expect(await readAuthReport(sandbox, '../../etc/passwd')).toBeUndefined();
    expect(await readAuthReport(sandbox, 'ABCDEF9999')).toBeUndefined();
  });

  it('starts a new file after the sandbox is reset (its auth directory removed)', async () => {
    await mkdir(join(dir, 't2'));
    const sandbox = new Sandbox('t2', join(dir, 't2'), defaultWorld());
    await saveAuthReport(sandbox, report('0000000001', 1000));
    await rm(join(dir, 't2', 'auth'), { recursive: true });
    sandbox.events.emit('reset');
    await saveAuthReport(sandbox, report('0000000002', 2000));
    expect((await listAuthReports(sandbox)).map((r) => r.id)).toEqual(['0000000002']);
  });
});
