/**
 * The quota ledger (quota/usage.ts, quota/scan.ts) on real files, and the transcript limits
 * (bridge/transcript.ts): what counts, when a write is refused and why, that concurrent
 * writers cannot both squeeze in, and that space freed on disk counts again.
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TranscriptWriter, transcriptBudget } from '../../lab-server/src/bridge/transcript.js';
import { SESSION_BYTES } from '../../lab-server/src/world/transcriptRecord.js';
import { transcriptPage } from '../../lab-server/src/world/transcriptFiles.js';
import { measureSandbox } from '../../lab-server/src/quota/scan.js';
import { OverQuota, SandboxUsage } from '../../lab-server/src/quota/usage.js';
import { defaultWorld } from '../../lab-server/src/world/definition.js';
import { Sandbox } from '../../lab-server/src/world/sandbox.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-quota-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(path: string, bytes: number): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), Buffer.alloc(bytes, 0x61));
}

describe('measuring a sandbox', () => {
  it('counts every file, messages in cur/ and new/ only, and takes a message size from its S= name', async () => {
    await file('vhosts/example.com/bob/new/1.M1P1Q1.host,S=5000,W=5100', 10); // the name says 5000
    await file('vhosts/example.com/bob/cur/2.M2P2Q2.host,S=300,W=310:2,S', 300);
    await file('vhosts/example.com/bob/.Sent/cur/3.M3P3Q3.host:2,S', 700); // no S=: stat
    await file('vhosts/example.com/bob/tmp/4.M4P4Q4.host', 50); // bytes, not a message
    await file('queue/example.com/ABCDEF0123.eml', 2000);
    await file('transcripts/x.jsonl', 1000);
    expect(await measureSandbox(dir)).toEqual({ bytes: 5000 + 300 + 700 + 50 + 2000 + 1000, messages: 3 });
    expect(await measureSandbox(join(dir, 'nowhere'))).toEqual({ bytes: 0, messages: 0 });
  });
});

describe('the quota ledger', () => {
  it('holds room for a write, refuses what does not fit, and says whether it ever could', async () => {
    await file('vhosts/a/new/x', 600);
    const usage = new SandboxUsage(dir, { bytes: 1000, messages: 5 });
    const hold = await usage.reserve(300);
    expect((await usage.usage()).bytes).toBe(900);
    const full = await usage.reserve(200).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(OverQuota);
    expect(full).toMatchObject({ kind: 'full', resource: 'STORAGE', wanted: 200 });
    expect(await usage.reserve(2000).catch((e: unknown) => e)).toMatchObject({ kind: 'too-large' });
    hold.release();
    expect((await usage.usage()).bytes).toBe(600);
    (await usage.reserve(100)).commit(120);
    expect((await usage.usage()).bytes).toBe(720);
  });

  it('lets only one of two writers in when there is room for one', async () => {
    const usage = new SandboxUsage(dir, { bytes: 1000, messages: 100 });
    const results = await Promise.allSettled([usage.reserve(600), usage.reserve(600)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('counts messages against their own limit', async () => {
    const usage = new SandboxUsage(dir, { bytes: 1_000_000, messages: 2 });
    (await usage.reserve(10, 2)).commit();
    expect(await usage.reserve(10, 1).catch((e: unknown) => e)).toMatchObject({ kind: 'full', resource: 'MESSAGE' });
  });

  it('looks at the disk again before refusing, so space freed by a deletion counts', { timeout: 10_000 }, async () => {
    await file('vhosts/a/new/big', 900);
    const usage = new SandboxUsage(dir, { bytes: 1000, messages: 100 });
    await expect(usage.reserve(200)).rejects.toBeInstanceOf(OverQuota);
    await rm(join(dir, 'vhosts/a/new/big'));
    // Not at once (the disk is read again at most every 2 seconds) ...
    await expect(usage.reserve(200)).rejects.toBeInstanceOf(OverQuota);
    await new Promise((r) => setTimeout(r, 2100));
    // ... but soon: the deletion is seen and the write fits.
    (await usage.reserve(200)).commit();
    expect((await usage.usage()).bytes).toBe(200);
  });
});

describe('transcript limits', () => {
  it('stop recording a session at its limit, once, with words for the learner in both languages', async () => {
    const sandbox = new Sandbox('t', dir, defaultWorld());
    const told: Array<{ en: string; 'zh-CN': string }> = [];
    const writer = new TranscriptWriter(sandbox, { session: '11111111-2222-3333-4444-555555555555', service: 'pop3', startedAt: new Date().toISOString() }, (why) => told.push(why));
    for (let i = 0; i < 200; i++) writer.add('C', 'X'.repeat(16_000), false);
    await writer.close();
    expect(told).toHaveLength(1);
    expect(told[0]!['zh-CN']).toContain('不再记录');
    const [name] = await readdir(join(dir, 'transcripts'));
    expect((await stat(join(dir, 'transcripts', name!))).size).toBeLessThanOrEqual(SESSION_BYTES + 1024);
    const page = await transcriptPage(sandbox, '11111111-2222-3333-4444-555555555555', 60, 200);
    expect(page!.lines.at(-1)!.text).toMatch(/^transcript stopped: This terminal has recorded 1\.0 MB/);
  });

  it('keep a quarter of the quota at most, and at most 16 MB', () => {
    expect(transcriptBudget(new Sandbox('a', dir, defaultWorld(), { bytes: 64 * 1024 * 1024, messages: 1 }))).toBe(16 * 1024 * 1024);
    expect(transcriptBudget(new Sandbox('b', dir, defaultWorld(), { bytes: 20 * 1024 * 1024, messages: 1 }))).toBe(5 * 1024 * 1024);
    expect(transcriptBudget(new Sandbox('c', dir, defaultWorld(), { bytes: 1024 * 1024 * 1024, messages: 1 }))).toBe(16 * 1024 * 1024);
  });
});
