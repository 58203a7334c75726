/**
 * Health and readiness, checked the way an operator's tools check them: curl-like requests for
 * /healthz and /readyz (and a database another process has locked, listeners that never greet,
 * a disk too small for the quotas), and quota pressure that smtplib causes, on /readyz and
 * /metrics. The metrics themselves are in operations-metrics.test.ts.
 */
import Database from 'better-sqlite3';
import { statfs } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReadiness, type ReadinessCheck } from '../../lab-server/src/operations/readiness.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { useLabFile } from '../helpers/labFile.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics.js';

const { lab } = useLabFile();

const scrape = (headers: Record<string, string> = {}, target = lab()) => scrapeMetrics(target, headers);
const value = sampleValue;

const url = (path: string): string => `http://127.0.0.1:${lab().httpPort}${path}`;

describe('GET /healthz and /readyz', () => {
  it('healthz says the process answers', async () => {
    const res = await fetch(url('/healthz'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; uptimeSeconds: number };
    expect(body.status).toBe('ok');
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('readyz greets every listener, asks the DNS, writes the database and looks at the disk', async () => {
    const res = await fetch(url('/readyz'));
    const body = (await res.json()) as { status: string; checks: ReadinessCheck[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('ready');
    const names = body.checks.map((c) => c.name);
    for (const s of lab().services) expect(names).toContain(`listener:${s.id}`);
    expect(names).toEqual(expect.arrayContaining(['dns', 'database', 'disk', 'quota']));
    expect(body.checks.every((c) => c.ok)).toBe(true);
    // The greeting is really read, through TLS on the implicit-TLS ports too.
    expect(body.checks.find((c) => c.name === 'listener:imaps')!.detail.en).toMatch(/\* OK/);
    expect(body.checks.find((c) => c.name === 'listener:smtp-otherdomain')!.detail.en).toMatch(/220 mail\.otherdomain\.com/);
    // The disk's free space and inodes, and the quotas of the sandboxes open, with their numbers.
    expect(body.checks.find((c) => c.name === 'disk')!.detail.en).toMatch(/free \(\d+%\)/);
    const quota = body.checks.find((c) => c.name === 'quota')!;
    expect(quota.figures!.sandboxes).toBeGreaterThanOrEqual(1);
    expect(quota.figures!.quotaBytes).toBe(64 * 1024 * 1024);
    const open = quota.figures!.sandboxes!;
    expect(quota.detail.en).toMatch(new RegExp(`^${open} ${open === 1 ? 'sandbox' : 'sandboxes'} open \\(quota 64 MiB, 10000 messages each\\) may still write`));
  });

  it('readyz answers 503 and names the database while another process holds its write lock, and recovers', async () => {
    const other = new Database(join(lab().dataDir, 'maillab.sqlite'));
    other.exec('BEGIN EXCLUSIVE');
    try {
      const started = Date.now();
      const res = await fetch(url('/readyz'));
      const body = (await res.json()) as { status: string; problems: Array<{ check: string; en: string; 'zh-CN': string }> };
      expect(res.status).toBe(503);
      expect(body.status).toBe('not ready');
      expect(body.problems.map((p) => p.check)).toEqual(['database']);
      expect(body.problems[0]!.en).toMatch(/cannot be written: database is locked/);
      expect(body.problems[0]!['zh-CN']).toMatch(/数据库无法写入/);
      // The probe gives up quickly instead of stalling the lab for the usual 5 s lock wait.
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await fetch(url('/readyz'))).status).toBe(200);
  });

  it('a listener that accepts but never greets, or refuses, is reported with what to do', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    try {
      const r = await checkReadiness({
        listeners: () => [
          { id: 'silent', host: '127.0.0.1', port: silentPort, implicitTls: false, goodbye: 'QUIT\r\n' },
          { id: 'closed', host: '127.0.0.1', port: closedPort, implicitTls: false, goodbye: 'QUIT\r\n' },
          { id: 'smtp', host: '127.0.0.1', port: lab().port('smtp'), implicitTls: false, goodbye: 'QUIT\r\n' },
        ],
        dns: { host: '127.0.0.1', port: lab().dnsPort },
        probeDatabaseWrite: async () => undefined,
        dataDir: lab().dataDir,
        minFreeBytes: Number.MAX_SAFE_INTEGER,
        quota: { limits: { bytes: 1024, messages: 10 }, usages: () => [] },
        timeoutMs: 500,
      });
      expect(r.ready).toBe(false);
      const by = Object.fromEntries(r.checks.map((c) => [c.name, c]));
      expect(by['listener:silent']!.ok).toBe(false);
      expect(by['listener:silent']!.detail.en).toMatch(/no greeting within 500 ms/);
      expect(by['listener:closed']!.detail.en).toMatch(/ECONNREFUSED.*Restart the lab/);
      expect(by['listener:smtp']!.ok).toBe(true);
      expect(by.dns!.ok).toBe(true);
      expect(by.disk!.ok).toBe(false);
      expect(by.disk!.detail.en).toMatch(/B free on the data directory's disk.*deliveries need at least/);
    } finally {
      silent.close();
    }
  });

  it('readyz weighs the disk against the quotas: a quota the disk cannot hold is not ready, full sandboxes are a warning', async () => {
    const free = (await statfs(lab().dataDir)).bavail * (await statfs(lab().dataDir)).bsize;
    const limits = { bytes: 1024 * 1024, messages: 100 };
    const usage = (bytes: number, messages: number) => ({ bytes, messages, limits });
    const storage = async (quota: { limits: typeof limits; usages: () => Array<ReturnType<typeof usage> | undefined> }) => {
      const r = await checkReadiness({ listeners: () => [], dns: { host: '127.0.0.1', port: lab().dnsPort }, probeDatabaseWrite: async () => undefined, dataDir: lab().dataDir, minFreeBytes: 1024, quota, timeoutMs: 500 });
      return { ready: r.ready, ...Object.fromEntries(r.checks.map((c) => [c.name, c])) } as { ready: boolean } & Record<'disk' | 'quota', ReadinessCheck>;
    };
    // One sandbox may fill more than the disk has left: a learner within quota would meet a full disk.
    const huge = await storage({ limits: { bytes: free * 2, messages: 100 }, usages: () => [] });
    expect(huge.ready).toBe(false);
    expect(huge.disk.ok).toBe(false);
    expect(huge.disk.detail.en).toMatch(/one sandbox may fill .* under --quota\. .*lower --quota/);
    expect(huge.disk.detail['zh-CN']).toMatch(/调低 --quota/);
    // Four sandboxes: one near (92% of its bytes), one full (its messages), one with room, one never measured.
    const some = await storage({ limits, usages: () => [usage(Math.round(0.92 * limits.bytes), 3), usage(1000, 100), usage(0, 0), undefined] });
    expect(some.ready).toBe(true);
    expect(some.quota.ok).toBe(true);
    expect(some.quota.warning).toBe(true);
    expect(some.quota.figures).toMatchObject({ sandboxes: 4, unmeasured: 1, near: 1, full: 1, openBytes: limits.bytes - Math.round(0.92 * limits.bytes) + (limits.bytes - 1000) + 2 * limits.bytes });
    expect(some.quota.detail.en).toMatch(/1 near their quota \(90% or more\), 1 full: .*452\/552.*\[OVERQUOTA\]/);
    expect(some.quota.detail.en).toMatch(/1 not measured yet count as empty/);
    // Quotas that together promise more than the disk: still ready, flagged.
    const promised = await storage({ limits: { bytes: Math.ceil(free / 2), messages: 100 }, usages: () => [undefined, undefined, undefined] });
    expect(promised.ready).toBe(true);
    expect(promised.quota.warning).toBe(true);
    expect(promised.quota.detail.en).toMatch(/promise more than the disk holds/);
  });
});

describe('quota pressure on /readyz and /metrics with real mail', () => {
  let small: TestLab;
  beforeAll(async () => {
    small = await startTestLab({ quota: { bytes: 64 * 1024 * 1024, messages: 10 } });
  });
  afterAll(async () => {
    await small?.dispose();
  });

  it('a sandbox that smtplib fills to its message quota shows as full, and the lab stays ready', { timeout: 60_000 }, async () => {
    const r = await python(
      `
import smtplib
codes = []
for i in range(12):
    s = smtplib.SMTP('127.0.0.1', P['smtp'], timeout=20)
    try:
        s.sendmail('someone@outside.test', ['bob@example.com'], ('Subject: fill %d\\r\\n\\r\\nhello\\r\\n' % i).encode())
        codes.append(250)
    except smtplib.SMTPRecipientsRefused as e:
        codes.append(e.recipients['bob@example.com'][0])
    except smtplib.SMTPDataError as e:
        codes.append(e.smtp_code)
    s.quit()
print(json.dumps(codes))`,
      { smtp: small.port('smtp') },
    );
    expect(r.stderr).toBe('');
    const codes = JSON.parse(r.stdout) as number[];
    expect(codes).toContain(250);
    expect(codes.at(-1)).toBe(452);
    const res = await fetch(`http://127.0.0.1:${small.httpPort}/readyz`);
    const body = (await res.json()) as { status: string; warnings?: Array<{ check: string; en: string; 'zh-CN': string }>; checks: Array<ReadinessCheck> };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.checks.find((c) => c.name === 'quota')!.figures).toMatchObject({ full: 1, quotaMessages: 10 });
    expect(body.warnings?.map((w) => w.check)).toEqual(['quota']);
    expect(body.warnings![0]!.en).toMatch(/1 full/);
    expect(body.warnings![0]!['zh-CN']).toMatch(/1 个已满/);
    const metrics = (await scrape({}, small)).text;
    expect(value(metrics, 'maillab_sandboxes_quota_pressure', { level: 'full' })).toBe(1);
    expect(value(metrics, 'maillab_quota_open_bytes')).toBeGreaterThan(0);
    expect(value(metrics, 'maillab_data_disk_free_bytes')).toBeGreaterThan(64 * 1024 * 1024);
  });
});
