/**
 * The lessons' live parts in real Chromium against a real lab: the port table opens a
 * working terminal, a "Try it" block pastes into the terminal and the real server answers,
 * and mail sent from a terminal appears as a new file in the live Maildir view.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceId } from '../../lab-server/src/services.js';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';
import { scrollToCenter } from '../helpers/frames.js';
import { dockTerminal, terminalText } from '../helpers/lessons.js';

const site = siteUnderTest();

const url = (path: string): string => site.url(path);

describe('lessons with a live lab', () => {
  it('opens a working terminal from the port table in the lesson', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url('/en/lessons/ports-security/'));
    const table = page.locator('.lab-island[data-island="ports"]');
    await scrollToCenter(table);
    // The live table replaced the static one and shows the real listeners and ports.
    const smtpRow = table.locator('tr[data-service="smtp"]');
    await expect.poll(() => smtpRow.locator('td').nth(5).innerText()).toBe('● listening');
    await expect(smtpRow.locator('td').nth(1).innerText()).resolves.toBe(String(site.lab.port('smtp')));
    // No terminal (and no xterm) until the learner asks for one.
    await expect(page.locator('.dock').count()).resolves.toBe(0);

    await page.getByRole('button', { name: 'Open terminal: pop3', exact: true }).click();
    const terminal = dockTerminal(page, 'pop3');
    await terminal.and(page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    await expect.poll(() => terminalText(page, 'pop3')).toMatch(/\+OK mail\.example\.com POP3 MailLab ready/);
    await terminal.locator('.screen').click();
    await page.keyboard.type('CAPA');
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page, 'pop3')).toMatch(/STLS[\s\S]*\n\./);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows the running lab\'s own ports everywhere: lesson text, Try-it headers, exercise prompts and hints', async () => {
    // The test lab listens on ports of its own choosing, nothing like the built-in 2025.
    const port = (id: string): string => String(site.lab.port(id as ServiceId));
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    for (const path of ['/lessons/architecture/', '/en/lessons/architecture/', '/en/lessons/ports-security/']) {
      await page.goto(url(path));
      const spans = page.locator('.lab-port[data-service]');
      await expect.poll(() => spans.evaluateAll((all) => all.every((s) => (s as HTMLElement).dataset.filled === 'true'))).toBe(true);
      const shown = await spans.evaluateAll((all) => all.map((s) => [(s as HTMLElement).dataset.service!, s.textContent!]));
      expect(shown.length, path).toBeGreaterThan(1);
      for (const [service, text] of shown) expect(text, `${path} ${service}`).toBe(port(service!));
    }
    // The lesson says it in words, with the standard port beside it.
    await page.goto(url('/en/lessons/architecture/'));
    await expect.poll(() => page.locator('.lesson-body').innerText()).toContain(`here port 25 is ${port('smtp')}, 587 is ${port('submission')}`);
    await expect(page.locator('.try-it').first().locator('.try-service').innerText()).resolves.toBe(`smtp · Standard port 25 · Lab port ${port('smtp')}`);
    // An exercise prompt, and the quiz's.
    await page.goto(url('/exercises/imap-flag/'));
    await expect.poll(() => page.locator('.prompt').innerText()).toContain(`（端口 143，实验端口 ${port('imap')}）`);
    await page.goto(url('/en/exercises/ports/'));
    await expect.poll(() => page.locator('.prompt').innerText()).toContain(`here 25 is ${port('smtp')}, 587 is ${port('submission')}`);
    expect(await page.content()).not.toContain('{{port:');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('pastes a Try-it block into the terminal with one click, and the real server answers', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url('/lessons/architecture/'));
    const firstTry = page.locator('.try-it').first();
    await expect(firstTry.locator('.try-commands').innerText()).resolves.toBe('EHLO client.example');
    await firstTry.getByRole('button', { name: '粘贴到终端并执行' }).click();
    const terminal = dockTerminal(page, 'smtp');
    await terminal.and(page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    // The command is echoed, then the server's reply follows it.
    await expect.poll(() => terminalText(page, 'smtp'), { timeout: 10_000 }).toMatch(/220 mail\.example\.com ESMTP MailLab[\s\S]*EHLO client\.example[\s\S]*250-mail\.example\.com Nice to meet you/);

    // The next block continues the same session: a whole SMTP transaction.
    await page.locator('.try-it').nth(1).getByRole('button').click();
    await expect.poll(() => terminalText(page, 'smtp'), { timeout: 10_000 }).toMatch(/354 End data[\s\S]*250 2\.0\.0 Ok: queued as [0-9A-F]+[\s\S]*221 2\.0\.0 Bye/);
    await expect(page.locator('.dock [role="tab"]').count()).resolves.toBe(1);
    // Each reply is explained right under it, for the command that caused it, in Chinese; and
    // the receiving server's SPF verdict on a message typed from this machine is explained.
    await expect.poll(() => terminalText(page, 'smtp'), { timeout: 10_000 }).toMatch(/spf=fail[\s\S]*127\.0\.0\.1/);
    const dialogue = await terminalText(page, 'smtp');
    expect(dialogue).toMatch(/MAIL FROM:<alice@example\.com>\s+250 [^\n]*\s+↳ 信封发件人已接受。下一步：RCPT TO/);
    expect(dialogue).toMatch(/RCPT TO:<bob@example\.com>\s+250 [^\n]*\s+↳ 收件人已接受/);
    expect(dialogue).toMatch(/queued as [0-9A-F]+\s+↳ 邮件已被接受[^↳]*↳ spf=fail[^↳]*127\.0\.0\.1[\s\S]*\nQUIT\n221 /);
    expect(dialogue).not.toMatch(/[A-Za-z]{3,} (is|are|the) /); // no English sentence in the notes

    // A "fresh" POP3 block opens its own connection and reads the message just sent.
    await page.locator('.try-it[data-service="pop3"]').first().getByRole('button').click();
    await expect.poll(() => terminalText(page, 'pop3'), { timeout: 15_000 }).toMatch(/Subject: Lunch\?[\s\S]*Are you free at noon\?/);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows a mail sent in a terminal as a new file in the live Maildir view, then its flags', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    // The view's polls: 304 while nothing changed (it sends back the lab's ETag).
    const polls: number[] = [];
    page.on('response', (response) => void (new URL(response.url()).pathname === '/api/maildir' && polls.push(response.status())));
    await page.goto(url('/en/lessons/storage-dns/'));
    // The island, not the view in it: the view drawn into the page at build time is replaced
    // when the island mounts (near the screen), and a handle on it would be detached.
    const island = page.locator('.lab-island[data-island="maildir"]');
    await scrollToCenter(island);
    await expect.poll(() => island.getAttribute('data-mounted'), { timeout: 15_000 }).toBe('true');
    const view = island.locator('.maildir');
    await expect.poll(() => view.getAttribute('data-user')).toBe('bob@example.com');
    const inboxNew = view.locator('.folder[data-folder="INBOX"] .subdir[data-subdir="new"] .file');
    const inboxCur = view.locator('.folder[data-folder="INBOX"] .subdir[data-subdir="cur"] .file');
    await expect.poll(() => inboxNew.count()).toBe(3);
    const before = await inboxNew.evaluateAll((files) => files.map((f) => f.getAttribute('data-file')));
    // With the files, how much of the sandbox's quota they use.
    const quota = view.locator('.legend.quota');
    await expect(quota.innerText()).resolves.toMatch(/^Disk quota: [\d.]+ [KM]B of 64(\.0)? MB \(mail, queue, terminal transcripts and logs\)/);
    const usedBefore = Number(await quota.getAttribute('data-usage'));
    await expect.poll(() => polls.includes(304), { timeout: 15_000 }).toBe(true);
    await expect(inboxNew.count()).resolves.toBe(3);

    // "Watch it happen": the SMTP block delivers to Bob.
    await page.locator('.try-it[data-service="smtp"]').first().getByRole('button').click();
    await expect.poll(() => terminalText(page, 'smtp'), { timeout: 15_000 }).toMatch(/250 2\.0\.0 Ok: queued as/);
    // The view polls while it is on screen; the click scrolled to the Try-it block below it.
    await scrollToCenter(view);
    await expect.poll(() => inboxNew.count(), { timeout: 10_000 }).toBe(4);
    const added = (await inboxNew.evaluateAll((files) => files.map((f) => f.getAttribute('data-file')))).filter((n) => !before.includes(n));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\d+\.M\d+P\d+Q\d+\.[^,]+,S=\d+,W=\d+$/);
    await expect(view.locator(`.file.fresh[data-file="${added[0]}"]`).count()).resolves.toBe(1);
    // The new message counts against the quota at once.
    await expect.poll(async () => Number(await quota.getAttribute('data-usage')), { timeout: 10_000 }).toBeGreaterThan(usedBefore);

    // The IMAP block selects, reads and flags it: new/ empties, the file is now …:2,FS in cur/.
    await page.locator('.try-it[data-service="imap"]').first().getByRole('button').click();
    await expect.poll(() => terminalText(page, 'imap'), { timeout: 15_000 }).toMatch(/a4 OK STORE completed/);
    await scrollToCenter(view);
    await expect.poll(() => inboxNew.count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => inboxCur.evaluateAll((files) => files.map((f) => f.getAttribute('data-file'))), { timeout: 10_000 }).toContain(`${added[0]}:2,FS`);
    await expect(view.locator(`.file[data-file="${added[0]}:2,FS"] .flag`).allInnerTexts()).resolves.toEqual(['F flagged', 'S seen']);

    // Typing grows the usage (the terminal's transcript), not the Maildirs: the polls stay 304,
    // and the quota line follows the usage the lab sends with each of them.
    const usedBeforeTyping = Number(await quota.getAttribute('data-usage'));
    await dockTerminal(page, 'imap').locator('.screen').click();
    for (const tag of ['n1', 'n2', 'n3']) {
      await page.keyboard.type(`${tag} NOOP`);
      await page.keyboard.press('Enter');
      await expect.poll(() => terminalText(page, 'imap'), { timeout: 15_000 }).toMatch(new RegExp(`${tag} OK`));
    }
    await scrollToCenter(view);
    await expect.poll(async () => Number(await quota.getAttribute('data-usage')), { timeout: 10_000 }).toBeGreaterThan(usedBeforeTyping);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('tells an instructor on a single-learner lab how to start a class, instead of a login that cannot work', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    for (const [path, says] of [
      ['/en/instructor/', 'This lab runs in single-learner mode: it has no classes and no dashboard. To teach a class, start it with maillab serve --mode classroom'],
      ['/instructor/', '这个实验室运行在单人模式，没有班级和教师控制台。'],
    ] as const) {
      await page.goto(url(path));
      // The page asks the lab which mode it runs in: at load 10+ the answer took over expect.poll's 1 s (CI showed 'Working…').
      await expect.poll(() => page.locator('main').innerText(), { timeout: 12_000 }).toContain(says);
      await expect(page.locator('input[type="password"]').count()).resolves.toBe(0);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
