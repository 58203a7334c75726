/**
 * SPF, DKIM and DMARC, live: mail.example.com signs with the sandbox's key, mail.otherdomain.com
 * checks with mailauth against the lab DNS, records Authentication-Results:, files DMARC
 * p=quarantine failures in Junk and refuses p=reject failures with 550. Each failure mode is
 * produced the way a learner produces it — by editing the zone — and each check is readable
 * step by step through the API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newDkimPrivateKey, publicKeyValue } from '../../lab-server/src/world/dkimKeys.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath, readAllMessages } from '../helpers/maildir.js';
import { NET } from '../helpers/network.js';
import { RawClient } from '../helpers/rawSocket.js';
import { api, editZone, LogWatch, submit } from '../helpers/world.js';
import { openDmarcReads } from '../realtools/opendmarc.js';
import { runTool, SYSTEM_PYTHON } from '../realtools/process.js';

let lab: TestLab;
let log: LogWatch;
let otherKey: string;

beforeAll(async () => {
  lab = await startTestLab();
  log = new LogWatch(lab);
  otherKey = publicKeyValue(await newDkimPrivateKey(1024));
});
afterAll(async () => {
  log?.stop();
  await lab?.dispose();
});
afterEach(async () => {
  for (const zone of ['example.com', 'otherdomain.com']) await api(lab, 'POST', `/api/zones/${zone}/restore`);
});

const inbox = (user: string, folder = '') => readAllMessages(maildirPath(lab.dataDir, 'default', user, folder));
const find = async (user: string, subject: string, folder = ''): Promise<string | undefined> => (await inbox(user, folder).catch(() => [])).find((m) => m.includes(`Subject: ${subject}\n`));
const relayed = (to: string) => new RegExp(`mail\\.example\\.com postfix/smtp\\[\\d+\\]: [0-9A-F]{10}: to=<${to.replace(/\./g, '\\.')}>`);

const breakSpf = (t: string) => t.replace('@       IN TXT  "v=spf1 mx a -all"', '@       IN TXT  "v=spf1 ip4:203.0.113.9 -all"');
const swapDkimKey = (t: string) => t.replace(/default\._domainkey IN TXT \([\s\S]*?\)/, `default._domainkey IN TXT ( "v=DKIM1; k=rsa; " "p=${otherKey}" )`);
const reject = (t: string) => t.replace('p=quarantine', 'p=reject');

async function sendToCarol(subject: string): Promise<string> {
  await submit(lab, { to: ['carol@otherdomain.com'], subject });
  return log.next(relayed('carol@otherdomain.com'));
}

function authResults(message: string): string {
  return /^Authentication-Results: [\s\S]*?(?=\n\S)/m.exec(message)![0];
}

describe('on receipt', () => {
  it('passes SPF, DKIM and DMARC for alice\'s signed mail, and shows each check step by step', async () => {
    expect(await sendToCarol('all pass')).toMatch(/status=sent/);
    const message = (await find('carol@otherdomain.com', 'all pass'))!;
    const ar = authResults(message);
    expect(ar).toMatch(/dkim=pass header\.i=@example\.com header\.s=default/);
    expect(ar).toMatch(/spf=pass \(mail\.otherdomain\.com: domain of alice@example\.com designates 192\.0\.2\.100 as permitted sender\)/);
    expect(ar).toMatch(/dmarc=pass \(p=QUARANTINE dis=NONE\) header\.from=example\.com/);

    const list = await api<{ reports: Array<{ id: string; subject: string; spf: string; dkim: string; dmarc: string; outcome: string }> }>(lab, 'GET', '/api/auth-reports');
    const summary = list.body.reports.find((r) => r.subject === 'all pass')!;
    expect(summary).toMatchObject({ spf: 'pass', dkim: 'pass', dmarc: 'pass', outcome: 'INBOX' });
    const report = await api<{ client: { address: string; hostname: string; labServer: boolean }; steps: Array<{ check: string; result: string; lookups: Array<{ name: string; type: string; answers: string[] }>; explain: Array<{ en: string; 'zh-CN': string }> }> }>(
      lab,
      'GET',
      `/api/auth-reports/${summary.id}`,
    );
    expect(report.body.client).toEqual(expect.objectContaining({ address: NET.mail, hostname: 'mail.example.com', labServer: true }));
    const step = (c: string) => report.body.steps.find((s) => s.check === c)!;
    expect(step('dkim').lookups[0]).toMatchObject({ name: 'default._domainkey.example.com', type: 'TXT' });
    expect(step('dkim').explain.map((e) => e.en)).toContain('The body hash (bh=) matches the body: the body was not changed on the way.');
    expect(step('spf').lookups.map((l) => `${l.type} ${l.name}`)).toEqual(['TXT example.com', 'MX example.com', 'A mail.example.com']);
    expect(step('spf').lookups[0]!.answers[0]).toMatch(/"v=spf1 mx a -all"$/);
    expect(step('dmarc').lookups[0]).toMatchObject({ name: '_dmarc.example.com', type: 'TXT' });
    expect(step('dmarc').explain.map((e) => e['zh-CN']).join('')).toMatch(/DKIM 对 d=example\.com 通过，并且与 From: 域名对齐/);
    expect(report.body.steps.every((s) => s.explain.every((e) => e.en && /[\u4e00-\u9fff]/.test(e['zh-CN'])))).toBe(true);
  });

  it('spf=fail when example.com\'s SPF no longer lists the sending host (DKIM still carries DMARC)', async () => {
    expect((await editZone(lab, 'example.com', breakSpf)).status).toBe(200);
    expect(await sendToCarol('spf broken')).toMatch(/status=sent/);
    const ar = authResults((await find('carol@otherdomain.com', 'spf broken'))!);
    expect(ar).toMatch(/spf=fail \(mail\.otherdomain\.com: domain of alice@example\.com does not designate 192\.0\.2\.100 as permitted sender\)/);
    expect(ar).toMatch(/dkim=pass/);
    expect(ar).toMatch(/dmarc=pass/);
  });

  it('dkim=fail when the published key is not the one that signs (SPF still carries DMARC)', async () => {
    expect((await editZone(lab, 'example.com', swapDkimKey)).status).toBe(200);
    expect(await sendToCarol('dkim swapped')).toMatch(/status=sent/);
    const ar = authResults((await find('carol@otherdomain.com', 'dkim swapped'))!);
    expect(ar).toMatch(/dkim=fail \(signature error\)|dkim=fail/);
    expect(ar).toMatch(/spf=pass/);
    expect(ar).toMatch(/dmarc=pass/);
  });

  it('DMARC p=quarantine: with SPF and DKIM both failing, the message goes to carol\'s Junk', async () => {
    expect((await editZone(lab, 'example.com', (t) => swapDkimKey(breakSpf(t)))).status).toBe(200);
    expect(await sendToCarol('quarantined')).toMatch(/status=sent/);
    // The receiver logs its delivery before it answers 250, so before the sender's line.
    expect(log.all(/mail\.otherdomain\.com postfix\/virtual.*to=<carol@otherdomain\.com>.*delivered to maildir folder Junk: DMARC quarantine/)).toHaveLength(1);
    expect(await find('carol@otherdomain.com', 'quarantined')).toBeUndefined();
    const junk = (await find('carol@otherdomain.com', 'quarantined', 'Junk'))!;
    expect(authResults(junk)).toMatch(/dmarc=fail \(p=QUARANTINE dis=QUARANTINE\) header\.from=example\.com/);
  });

  it('DMARC p=reject: mail.otherdomain.com refuses with 550 and alice gets the bounce; fixing the zone delivers again', async () => {
    expect((await editZone(lab, 'example.com', (t) => reject(swapDkimKey(breakSpf(t))))).status).toBe(200);
    const line = await sendToCarol('rejected');
    expect(line).toMatch(/dsn=5\.7\.1, status=bounced \(host mail\.otherdomain\.com\[192\.0\.2\.200\] said: 550 5\.7\.1 Email rejected per DMARC policy for example\.com: neither SPF nor DKIM passed aligned with the From: domain \(see the message view, id [0-9A-F]{10}\) \(in reply to end of DATA command\)\)/);
    expect(log.all(/mail\.otherdomain\.com postfix\/cleanup\[\d+\]: [0-9A-F]{10}: milter-reject: END-OF-MESSAGE from mail\.example\.com\[192\.0\.2\.100\]: 5\.7\.1 Email rejected per DMARC policy/)).toHaveLength(1);
    await log.next(/to=<alice@example\.com>, relay=virtual.*status=sent/);
    const bounce = (await inbox('alice@example.com')).find((m) => m.includes('Subject: rejected\n') && m.includes('Undelivered Mail'))!;
    expect(bounce).toMatch(/Status: 5\.7\.1\n/);
    expect(await find('carol@otherdomain.com', 'rejected')).toBeUndefined();
    expect(await find('carol@otherdomain.com', 'rejected', 'Junk')).toBeUndefined();
    const reports = (await api<{ reports: Array<{ subject: string; outcome: string; dmarc: string }> }>(lab, 'GET', '/api/auth-reports')).body.reports;
    expect(reports.find((r) => r.subject === 'rejected')).toMatchObject({ outcome: 'rejected', dmarc: 'fail' });

    await api(lab, 'POST', '/api/zones/example.com/restore');
    expect(await sendToCarol('fixed')).toMatch(/status=sent/);
    expect(authResults((await find('carol@otherdomain.com', 'fixed'))!)).toMatch(/dkim=pass[\s\S]*spf=pass[\s\S]*dmarc=pass/);
  });
});

describe('DMARC records as receivers read them', () => {
  it('"v = DMARC1; p = reject" (spaces RFC 7489 allows, which OpenDMARC reads) is enforced: 550, not delivered', async () => {
    // mailauth alone skipped this record (dmarc=none) and read "p = reject" as the policy " reject": delivered.
    const spaced = (t: string) => t.replace(/"v=DMARC1; p=quarantine;/, '"v = DMARC1; p = reject;');
    expect((await editZone(lab, 'example.com', (t) => spaced(swapDkimKey(breakSpf(t))))).body).toMatchObject({ saved: true });
    const line = await sendToCarol('spaced policy');
    expect(line).toMatch(/status=bounced \(host mail\.otherdomain\.com\[192\.0\.2\.200\] said: 550 5\.7\.1 Email rejected per DMARC policy for example\.com/);
    expect(await find('carol@otherdomain.com', 'spaced policy')).toBeUndefined();
    expect(await find('carol@otherdomain.com', 'spaced policy', 'Junk')).toBeUndefined();
  });

  it('"p=REJECT" (the grammar\'s literals match in any case; OpenDMARC reads it as reject) is enforced: 550, not delivered', async () => {
    // mailauth alone took the policy "REJECT" for none it knows: delivered.
    expect(await openDmarcReads('v=DMARC1; p=REJECT; adkim=S')).toMatchObject({ status: 0, p: 'r' });
    const capitals = (t: string) => t.replace(/"v=DMARC1; p=quarantine;/, '"v=DMARC1; p=REJECT;');
    expect((await editZone(lab, 'example.com', (t) => capitals(swapDkimKey(breakSpf(t))))).body).toMatchObject({ saved: true });
    const line = await sendToCarol('policy in capitals');
    expect(line).toMatch(/status=bounced \(host mail\.otherdomain\.com\[192\.0\.2\.200\] said: 550 5\.7\.1 Email rejected per DMARC policy for example\.com/);
    expect(await find('carol@otherdomain.com', 'policy in capitals')).toBeUndefined();
    expect(await find('carol@otherdomain.com', 'policy in capitals', 'Junk')).toBeUndefined();
  });
});

describe('DKIM key records as verifiers read them', () => {
  it('"K=ED25519" is a tag no verifier knows (tag names are case-sensitive, RFC 6376 §3.2), so the key stays RSA: dkim=pass, as dkimpy says', async () => {
    // mailauth alone lower-cased the tag name, took ed25519 for the key type and said dkim=neutral.
    const cased = (t: string) => t.replace(/(default\._domainkey IN TXT \([\s\S]*?)k=rsa;/, '$1K=ED25519;');
    expect((await editZone(lab, 'example.com', cased)).body).toMatchObject({ saved: true });
    expect(await sendToCarol('key tag in capitals')).toMatch(/status=sent/);
    const message = (await find('carol@otherdomain.com', 'key tag in capitals'))!;
    expect(authResults(message)).toMatch(/dkim=pass/);
    const record = (await api<{ text: string }>(lab, 'GET', '/api/zones/example.com')).body.text;
    const key = /default\._domainkey IN TXT \(([\s\S]*?)\)/.exec(record)![1]!.replace(/"\s*"|"|\s/g, '');
    expect(key).toMatch(/^v=DKIM1;K=ED25519;p=/);
    const dkimpy = await runTool(SYSTEM_PYTHON, ['-c', 'import dkim,sys; m=sys.stdin.buffer.read(); print(dkim.verify(m, dnsfunc=lambda n, timeout=5: sys.argv[1].encode(), minkey=1024))', key], { input: message.replace(/\r?\n/g, '\r\n') });
    expect(dkimpy.stdout.trim()).toBe('True');
  });
});

describe('forged mail', () => {
  it('from carol\'s account with From: alice@example.com lands in Junk at mail.example.com (nothing aligned with example.com)', async () => {
    await submit(lab, { user: 'carol@otherdomain.com', to: ['bob@example.com'], subject: 'I am alice', headers: 'From: Alice <alice@example.com>\r\nTo: bob@example.com\r\n' });
    await log.next(/mail\.example\.com postfix\/virtual.*to=<bob@example\.com>.*folder Junk/);
    const junk = (await find('bob@example.com', 'I am alice', 'Junk'))!;
    const ar = authResults(junk);
    expect(ar).toMatch(/dkim=pass header\.i=@otherdomain\.com/);
    expect(ar).toMatch(/spf=pass [^;]*smtp\.mailfrom=carol@otherdomain\.com/);
    expect(ar).toMatch(/dmarc=fail \(p=QUARANTINE dis=QUARANTINE\) header\.from=example\.com/);
  });

  it('typed by hand from this machine is checked and reported, but the policy is not applied (mynetworks)', async () => {
    const c = await RawClient.open(lab.port('smtp-otherdomain'));
    await c.until(/^220 /m);
    await c.command('EHLO forger.test', /250 [^\r]*\r\n$/);
    await c.command('MAIL FROM:<alice@example.com>', /^250 /m);
    await c.command('RCPT TO:<carol@otherdomain.com>', /^250 /m);
    await c.command('DATA', /^354 /m);
    expect(await c.command('From: alice@example.com\r\nSubject: typed forgery\r\n\r\nhello\r\n.', /\r\n$/)).toMatch(/^250 /);
    c.close();
    const message = (await find('carol@otherdomain.com', 'typed forgery'))!;
    const ar = authResults(message);
    expect(ar).toMatch(/dkim=none/);
    expect(ar).toMatch(/spf=fail \(mail\.otherdomain\.com: domain of alice@example\.com does not designate 127\.0\.0\.1 as permitted sender\)/);
    expect(ar).toMatch(/dmarc=fail \(p=QUARANTINE dis=NONE\)/);
    const reports = (await api<{ reports: Array<{ id: string; subject: string }> }>(lab, 'GET', '/api/auth-reports')).body.reports;
    const report = await api<{ policyApplied: boolean; steps: Array<{ check: string; explain: Array<{ en: string }> }> }>(lab, 'GET', `/api/auth-reports/${reports.find((r) => r.subject === 'typed forgery')!.id}`);
    expect(report.body.policyApplied).toBe(false);
    expect(report.body.steps.find((s) => s.check === 'dmarc')!.explain.at(-1)!.en).toMatch(/^The policy was not applied: the client 127\.0\.0\.1 is your own machine/);
  });
});
