/**
 * The lab page in real Chromium: type a whole SMTP transaction into a browser terminal,
 * RETR the message in a POP3 terminal, and draw the session as a sequence diagram; a message
 * full of terminal control sequences is shown as text, never obeyed.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';
import { python } from '../helpers/clients.js';
import { pageTerminal as terminal, terminalOpen, typeLines } from '../helpers/lessons.js';

const site = siteUnderTest();

/** The rows on the terminal's screen (not its scrollback). */
async function terminalText(page: Page, service: string): Promise<string> {
  return terminal(page, service).locator('.xterm-rows').innerText();
}

describe('lab page', () => {
  it('sends mail over SMTP and reads it over POP3, in browser terminals', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/lab/?service=smtp'));
    await terminalOpen(page, 'smtp');
    await expect.poll(() => terminalText(page, 'smtp')).toMatch(/220 mail\.example\.com ESMTP MailLab/);
    await typeLines(
      page,
      'smtp',
      ['EHLO browser.test', 'MAIL FROM:<alice@example.com>', 'RCPT TO:<bob@example.com>', 'DATA', 'Subject: typed in Chromium', '', 'Hello from a real browser.', '.'],
      /250 2\.0\.0 Ok: queued as/,
    );
    // The zh-CN page explains replies in Chinese, and names the terminal's input field in Chinese.
    expect(await terminalText(page, 'smtp')).toContain('最后单独输入一行 "." 结束');
    await expect(terminal(page, 'smtp').locator('textarea').getAttribute('aria-label')).resolves.toBe('终端输入: smtp');

    await page.getByRole('button', { name: '打开终端: pop3', exact: true }).click();
    await terminal(page, 'pop3').and(page.locator('[data-state="open"]')).waitFor();
    await typeLines(page, 'pop3', ['USER bob', 'PASS secret'], /Logged in as bob@example\.com: 4 messages/);
    await typeLines(page, 'pop3', ['RETR 4'], /Subject: typed in Chromium[\s\S]*Hello from a real browser\./);

    await terminal(page, 'smtp').getByRole('button', { name: /会话记录/ }).click();
    await expect.poll(() => terminal(page, 'smtp').locator('.transcript').innerText()).toMatch(/C: MAIL FROM:<alice@example\.com>/);
    await terminal(page, 'smtp').locator('.session-diagram svg').waitFor({ timeout: 20_000 });
    const diagram = await terminal(page, 'smtp').locator('.session-diagram svg').innerHTML();
    expect(diagram).toContain('RCPT TO');
    // The diagram speaks the page's language too.
    expect(diagram).toContain('你（客户端）');
    expect(diagram).not.toContain('You (client)');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('refuses a pasted line too long for the bridge in the page, and the terminal stays connected', async () => {
    // Once a 70 KB line went out whole, past the bridge's 64 KB message limit: the WebSocket closed (1009), "disconnected".
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/lab/?service=smtp'));
    await terminalOpen(page, 'smtp');
    await expect.poll(() => terminalText(page, 'smtp')).toMatch(/220 mail\.example\.com ESMTP MailLab/);
    // Pasted as a browser pastes: a paste event on xterm's input field, the line and its Enter.
    await terminal(page, 'smtp').locator('textarea').evaluate((field, line) => {
      const data = new DataTransfer();
      data.setData('text/plain', line);
      field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, `NOOP ${'x'.repeat(70 * 1024)}\r`);
    await expect.poll(() => terminalText(page, 'smtp'), { timeout: 10_000 }).toMatch(/这一行没有发送：每行最多 16384 个字符|Line not sent: a line may hold at most 16384 characters/);
    await typeLines(page, 'smtp', ['NOOP'], /\b250\b/);
    expect(await terminal(page, 'smtp').getAttribute('data-state')).toBe('open');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('upgrades a submission terminal with STARTTLS and shows it as encrypted', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/en/lab/?service=submission'));
    await terminalOpen(page, 'submission');
    await expect(terminal(page, 'submission').locator('.crypto').innerText()).resolves.toMatch(/plain text/);
    await typeLines(page, 'submission', ['EHLO tls.test', 'STARTTLS'], /TLS established: TLSv1\.[23].*self-signed/);
    await expect.poll(() => terminal(page, 'submission').locator('.crypto').innerText()).toMatch(/encrypted \(TLSv1\.[23]\)/);
    await typeLines(page, 'submission', ['EHLO tls.test'], /250-AUTH PLAIN LOGIN/);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
  it('shows the control characters of a fetched message as text (^[), never obeys them', async () => {
    // Each line would do something to xterm if obeyed: hide text, overwrite with a lone CR,
    // plant an OSC 8 link, ask for a cursor report (DSR), turn on mouse reports, colour via a
    // C1 CSI (U+009B), clear the screen.
    const body = [
      'conceal:\x1b[8mhidden\x1b[28m',
      'cr:abc\rXY',
      'link:\x1b]8;;https://evil.test/\x07click\x1b]8;;\x07',
      'dsr:\x1b[6n da:\x1b[c mouse:\x1b[?1000h',
      'c1:\u009b31mred del:\x7f',
      'tab:\tend \x1b[2J\x1b[Hafter-clear',
      // Looks like a tagged reply: the terminal must not explain it (quoting its "tag" into the note).
      '\x1b[2J\x1b]8;;https://evil.test/\x07x\x1b]8;;\x07 OK lookalike',
    ].join('\r\n');
    const sent = await python(
      `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.sendmail('someone@outside.test', ['alice@example.com'], ('Subject: controls\\r\\n\\r\\n' + P['body'] + '\\r\\n').encode())
s.quit()`,
      { port: site.lab.port('smtp'), body },
    );
    expect(sent.stderr).toBe('');
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/en/lab/?service=imap'));
    await terminalOpen(page, 'imap');
    await typeLines(page, 'imap', ['a1 LOGIN alice@example.com secret', 'a2 SELECT INBOX', 'a3 FETCH * BODY[TEXT]'], /a3 OK/);
    const shown = await terminalText(page, 'imap');
    expect(shown).toContain('conceal:^[[8mhidden^[[28m');
    expect(shown).toContain('cr:abc^MXY');
    expect(shown).toContain('link:^[]8;;https://evil.test/^Gclick^[]8;;^G');
    expect(shown).toContain('dsr:^[[6n da:^[[c mouse:^[[?1000h');
    expect(shown).toContain('c1:M-^[31mred del:^?');
    expect(shown).toMatch(/tab:\s+end \^\[\[2J\^\[\[Hafter-clear/);
    expect(shown).toContain('^[[2J^[]8;;https://evil.test/^Gx^[]8;;^G OK lookalike');
    expect(shown).not.toMatch(/Tagged OK[^\n]*(evil|\^\[)/);
    // Nothing was wiped: the SELECT's reply is still on screen above the message.
    expect(shown).toMatch(/command a2 \(SELECT\) completed[\s\S]*conceal:/);
    // xterm's answers to the report requests never reach the server: the transcript holds only what was typed.
    await terminal(page, 'imap').getByRole('button', { name: /Transcript/ }).click();
    await expect.poll(() => terminal(page, 'imap').locator('.transcript').innerText()).toMatch(/S: a3 OK/);
    const sentLines = (await terminal(page, 'imap').locator('.transcript').innerText()).split('\n').filter((l) => /\bC: /.test(l));
    expect(sentLines.map((l) => l.replace(/^.*\bC: /, ''))).toEqual(['a1 LOGIN alice@example.com secret', 'a2 SELECT INBOX', 'a3 FETCH * BODY[TEXT]']);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('draws a 200 KB server line whole while the learner types, and the typed line after it', async () => {
    // The line arrives in pieces; after each the learner's unfinished input is drawn after it
    // and erased again before the next. Any wrong erase would cut into the line on screen.
    const appended = await python(
      `
import imaplib
m = imaplib.IMAP4('127.0.0.1', P['port'], timeout=20)
m.login('bob@example.com', 'secret')
m.append('INBOX', None, None, ('Subject: one long line\\r\\n\\r\\n' + 'x' * 199999 + 'y\\r\\n').encode())
m.logout()`,
      { port: site.lab.port('imap') },
    );
    expect(appended.stderr).toBe('');
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/en/lab/?service=imap'));
    await terminalOpen(page, 'imap');
    await typeLines(page, 'imap', ['b1 LOGIN bob@example.com secret', 'b2 SELECT INBOX'], /b2 OK/);
    await page.keyboard.type('b3 FETCH * BODY[TEXT]');
    await page.keyboard.press('Enter');
    await page.keyboard.type('b4 NOOP');
    await expect.poll(() => terminalText(page, 'imap'), { timeout: 20_000 }).toMatch(/b3 OK/);
    // The screen shows the line's last rows: each full of x (nothing cut or overwritten), the
    // last ending in the y at the column its length puts it, then the reply, then the input.
    const cols = Number(await terminal(page, 'imap').getAttribute('data-cols'));
    const rows = (await terminalText(page, 'imap')).split('\n').map((r) => r.trimEnd());
    const last = rows.findIndex((r) => r.endsWith('y'));
    const lineRows = rows.slice(0, last + 1).filter((r) => /^[xy]+$/.test(r));
    expect(lineRows.length).toBeGreaterThan(3);
    expect(lineRows.slice(0, -1).every((r) => r === 'x'.repeat(cols))).toBe(true);
    expect(lineRows.at(-1)).toBe(`${'x'.repeat((200_000 % cols || cols) - 1)}y`);
    expect(rows.slice(last + 1).join('\n')).toMatch(/^.*\)\nb3 OK[\s\S]*\nb4 NOOP$/);
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page, 'imap'), { timeout: 10_000 }).toMatch(/b4 OK/);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
