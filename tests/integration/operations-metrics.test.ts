/**
 * Prometheus metrics, checked the way an operator's tools check them: Prometheus' own
 * `promtool check metrics` on a scrape, counters that move when real clients (smtplib, poplib,
 * imaplib, dig, a browser terminal) use the lab, the README's alert rules, and who may scrape
 * in classroom mode.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { useLabFile } from '../helpers/labFile.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics.js';
import { TerminalClient } from '../helpers/terminal.js';
import { mtasSettled, submit } from '../helpers/world.js';

const { lab } = useLabFile();

const scrape = (headers: Record<string, string> = {}, target = lab()) => scrapeMetrics(target, headers);
const value = sampleValue;
const url = (path: string): string => `http://127.0.0.1:${lab().httpPort}${path}`;

describe('GET /metrics', () => {
  it('is Prometheus text that promtool accepts', async () => {
    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const check = await run('promtool', ['check', 'metrics'], text);
    expect(check.stderr + check.stdout).toBe('');
    expect(check.code).toBe(0);
    for (const name of ['maillab_connections_total', 'maillab_commands_total', 'maillab_queue_messages', 'maillab_terminals_open', 'maillab_sandboxes', 'maillab_learners_active', 'maillab_sandboxes_quota_pressure', 'maillab_quota_open_bytes', 'maillab_data_disk_free_bytes', 'nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('counters move with real traffic from real clients', async () => {
    const before = (await scrape()).text;
    // SMTP on port 25 with smtplib: one accepted message, one refused recipient.
    const smtp = await python(
      `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.ehlo('metrics.test')
try:
    s.sendmail('someone@test.example', ['bob@example.com', 'nobody@example.com'], b'Subject: counted\\r\\n\\r\\nhello\\r\\n')
except smtplib.SMTPRecipientsRefused:
    pass
s.quit()`,
      { port: lab().port('smtp') },
    );
    expect(smtp.stderr).toBe('');
    // POP3 and IMAP with poplib and imaplib.
    const read = await python(
      `
import poplib, imaplib
p = poplib.POP3('127.0.0.1', P['pop3']); p.user('bob@example.com'); p.pass_('secret'); p.stat(); p.quit()
i = imaplib.IMAP4('127.0.0.1', P['imap']); i.login('bob@example.com', 'secret'); i.select('INBOX'); i.logout()`,
      { pop3: lab().port('pop3'), imap: lab().port('imap') },
    );
    expect(read.stderr).toBe('');
    // A question to the lab DNS with dig, and a relayed message through the queue.
    const dig = await run('dig', ['@127.0.0.1', '-p', String(lab().dnsPort), '+short', 'example.com', 'MX']);
    expect(dig.stdout).toContain('mail.example.com.');
    await submit(lab(), { to: ['carol@otherdomain.com'], subject: 'through the queue' });
    await mtasSettled(lab());
    // A graded attempt, and a terminal open while we scrape.
    const attempt = await fetch(url('/api/exercises/ports/attempts'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answer: {} }) });
    expect(attempt.status).toBe(200);
    const terminal = await TerminalClient.open(lab().httpPort, 'smtp');
    let after: string;
    try {
      await terminal.expect(/220 /);
      after = (await scrape()).text;
      expect(value(after, 'maillab_terminals_open')).toBe(1);
    } finally {
      terminal.close();
    }
    const moved = (name: string, labels: Record<string, string>): number => value(after, name, labels) - value(before, name, labels);
    expect(moved('maillab_connections_total', { service: 'smtp' })).toBeGreaterThanOrEqual(2);
    expect(moved('maillab_commands_total', { service: 'smtp', command: 'EHLO' })).toBeGreaterThanOrEqual(1);
    expect(moved('maillab_commands_total', { service: 'smtp', command: 'RCPT' })).toBe(2);
    expect(moved('maillab_smtp_rejections_total', { service: 'smtp', code: '550' })).toBe(1);
    expect(moved('maillab_commands_total', { service: 'pop3', command: 'STAT' })).toBe(1);
    expect(moved('maillab_commands_total', { service: 'imap', command: 'SELECT' })).toBe(1);
    expect(moved('maillab_commands_total', { service: 'submission', command: 'AUTH' })).toBe(1);
    expect(moved('maillab_commands_total', { service: 'smtp-otherdomain', command: 'MAIL' })).toBe(1);
    expect(moved('maillab_maildir_deliveries_total', { host: 'mail.example.com' })).toBe(1);
    expect(moved('maillab_maildir_deliveries_total', { host: 'mail.otherdomain.com' })).toBe(1);
    expect(moved('maillab_queue_deliveries_total', { host: 'mail.example.com', status: 'sent' })).toBe(1);
    expect(moved('maillab_dns_queries_total', { transport: 'udp', rcode: 'NOERROR' })).toBeGreaterThanOrEqual(1);
    expect(moved('maillab_dns_queries_total', { transport: 'internal', rcode: 'NOERROR' })).toBeGreaterThanOrEqual(1);
    expect(moved('maillab_grading_attempts_total', { exercise: 'ports', result: 'failed' })).toBe(1);
    expect(value(after, 'maillab_sandboxes')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'maillab_learners_active')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'maillab_queue_messages', { host: 'mail.example.com' })).toBe(0);
  });
});

describe("the README's monitoring section", () => {
  it('has alert rules that promtool accepts, over metrics the lab really exports', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const rules = [...readme.matchAll(/```yaml\n(groups:[\s\S]*?)```/g)].map((m) => m[1]!);
    expect(rules).toHaveLength(1);
    const dir = await mkdtemp(join(tmpdir(), 'maillab-rules-'));
    try {
      await writeFile(join(dir, 'rules.yml'), rules[0]!);
      const check = await run('promtool', ['check', 'rules', join(dir, 'rules.yml')]);
      expect(check.stdout + check.stderr).toMatch(/SUCCESS: 5 rules found/);
      expect(check.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const exported = (await scrape()).text;
    for (const name of rules[0]!.match(/\b(maillab|nodejs|process)_\w+/g)!) expect(exported).toContain(`# TYPE ${name} `);
  });
});

describe('GET /metrics in classroom mode', () => {
  let classLab: TestLab;
  const token = 'a-long-metrics-token-0123456789';
  beforeAll(async () => {
    classLab = await startTestLab({ mode: 'classroom', metricsToken: token });
  });
  afterAll(async () => {
    await classLab?.dispose();
  });

  it('answers a loopback scraper that no proxy forwarded', async () => {
    expect((await scrape({}, classLab)).status).toBe(200);
  });

  it('refuses a request a local proxy forwarded unless it carries the token', async () => {
    const proxied = await scrape({ 'x-forwarded-for': '203.0.113.9' }, classLab);
    expect(proxied.status).toBe(401);
    expect(JSON.parse(proxied.text).error.en).toMatch(/Authorization: Bearer/);
    expect((await scrape({ 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer wrong-token-wrong-token' }, classLab)).status).toBe(401);
    const ok = await scrape({ 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${token}` }, classLab);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('maillab_connections_total');
  });
});
