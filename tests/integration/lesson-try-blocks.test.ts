/**
 * Every "Try it" block of every lesson, in both languages, typed into a real lab as the page's
 * terminal types it: line by line over the protocol, each line waiting for its reply, blocks
 * in the lesson's order, a block continuing the session on its service unless it says
 * `fresh`. A chapter starts on a fresh lab, as its expect blocks do. No reply may be an
 * error (SMTP 4xx/5xx, POP3 -ERR, IMAP NO/BAD) unless the lesson shows that error in the
 * block's expect: then the error is the point, and it must happen. Where the lesson says a
 * file appears ("```expect file carol@otherdomain.com new", fileAppears.ts), it must appear
 * in the page's Maildir view.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVICES, type ServiceId } from '../../lab-server/src/services.js';
import { checkFileAppeared, fileAppears, maildirKeys, type FileAppears } from '../helpers/fileAppears.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { LANGS, LESSON_SLUGS } from '../helpers/lessons.js';
import { TypedSession, type Exchange } from '../helpers/typedSession.js';

interface TryBlock {
  service: ServiceId;
  fresh: boolean;
  lines: string[];
  /** The expect block after it: what the learner should see. */
  expected: string[];
  /** The files its expect fence says appear (fileAppears.ts). */
  appears: FileAppears[];
  /** The block's line in the lesson file, for messages. */
  at: number;
}

/** The try blocks of a lesson, in order, each with the expect block that follows it. */
function tryBlocks(markdown: string): TryBlock[] {
  const blocks: TryBlock[] = [];
  const fence = /^```(\S+)([^\n]*)\n([\s\S]*?)^```$/gm;
  let last: TryBlock | undefined;
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) {
    const [, kind, meta = ''] = m;
    const body = m[3]!.replace(/\n$/, '');
    const at = markdown.slice(0, m.index).split('\n').length;
    if (kind === 'try') {
      const [service, ...flags] = meta.trim().split(/\s+/);
      last = { service: service as ServiceId, fresh: flags.includes('fresh'), lines: body.split('\n'), expected: [], appears: [], at };
      blocks.push(last);
    } else if (kind === 'expect' && last && last.expected.length === 0) {
      last.expected = body.split('\n');
      last.appears = fileAppears(meta);
    } else {
      if (kind === 'expect' && fileAppears(meta).length) throw new Error(`line ${at}: "expect ${meta.trim()}" follows no try block`);
      last = undefined;
    }
  }
  return blocks;
}

/** The line of a reply that says how the command went: the last one (IMAP: the tagged one). */
const verdict = (exchange: Exchange): string => exchange.reply.at(-1)!;

/** True when a reply says the command failed. */
function isError(line: string): boolean {
  return /^[45]\d\d[ -]/.test(line) || line.startsWith('-ERR') || /^\S+ (NO|BAD)\b/i.test(line);
}

/** An expect line matches a reply line: "…" stands for anything (ids, counts, times). */
function shows(expectLine: string, reply: string): boolean {
  const pattern = expectLine.trim().split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(reply.trim());
}

/** Waits until every mail the sandbox's MTAs hold is delivered or bounced: a learner reads the next paragraph first. */
async function mailSettled(lab: TestLab): Promise<void> {
  for (const mta of await lab.world.mtas(await lab.sandboxes.get('default'))) await mta.idle();
}

/** Types a chapter's blocks into `lab`; returns what went wrong, one line each. */
async function runChapter(lab: TestLab, file: string): Promise<string[]> {
  const problems: string[] = [];
  const sessions = new Map<ServiceId, TypedSession>();
  const markdown = readFileSync(file, 'utf8');
  const blocks = tryBlocks(markdown);
  // Every block the page shows is typed: none lost to a fence read wrongly.
  expect(blocks.length, file).toBe(markdown.match(/^```try /gm)?.length);
  try {
    for (const block of blocks) {
      const where = `${file.replace(/^.*lessons\//, 'lessons/')}:${block.at} (try ${block.service})`;
      const service = SERVICES.find((s) => s.id === block.service)!;
      const replies: Exchange[] = [];
      const before = block.appears.length ? await maildirKeys(lab) : new Set<string>();
      let session = sessions.get(block.service);
      if (block.fresh || !session || session.closed) {
        session?.close();
        const opened = await TypedSession.open(lab.port(block.service), service.protocol, service.tls === 'implicit');
        session = opened.session;
        sessions.set(block.service, session);
        replies.push(opened.greeting);
      }
      try {
        for (const line of block.lines) {
          const exchange = await session.type(line);
          if (exchange) replies.push(exchange);
        }
      } catch (e) {
        problems.push(`${where}: after ${replies.length} replies, ${(e as Error).message}`);
      }
      for (const exchange of replies) {
        const line = verdict(exchange);
        if (isError(line) && !block.expected.some((e) => shows(e, line))) problems.push(`${where}: "${exchange.command}" was answered "${line}", and the lesson does not show that error`);
      }
      // An error the lesson shows must be the one the learner gets.
      for (const shown of block.expected.filter(isError)) {
        if (!replies.some((x) => shows(shown, verdict(x)))) problems.push(`${where}: the lesson shows "${shown}", the lab answered ${replies.map((x) => `"${verdict(x)}"`).join(', ')}`);
      }
      await mailSettled(lab);
      const subject = block.lines.find((line) => line.startsWith('Subject: '));
      for (const file of block.appears) {
        const problem = await checkFileAppeared(lab, before, file, subject);
        if (problem) problems.push(`${where}: ${problem}`);
      }
    }
  } finally {
    for (const session of sessions.values()) session.close();
  }
  return problems;
}

describe('the lessons\' "Try it" blocks against a real lab', () => {
  it.each(LESSON_SLUGS)('say the same files appear in both languages (%s)', (slug) => {
    const marks = (lang: string) => tryBlocks(readFileSync(new URL(`../../lessons/${lang}/${slug}.md`, import.meta.url), 'utf8')).map((b) => b.appears.map((f) => f.written).join(' '));
    expect(marks('zh-CN')).toEqual(marks('en'));
  });

  // One test per chapter and language: each gets its own time and names the chapter that fails.
  const chapters = LANGS.flatMap((lang) => LESSON_SLUGS.map((slug) => ({ lang, slug })));
  it.each(chapters)('run in $lang, chapter $slug, with no error but those the lesson shows', async ({ lang, slug }) => {
    const lab = await startTestLab();
    try {
      expect(await runChapter(lab, new URL(`../../lessons/${lang}/${slug}.md`, import.meta.url).pathname)).toEqual([]);
    } finally {
      await lab.dispose();
    }
  }, 90_000);

  it('finds a lesson error the lab does not give, and an error the lesson does not show', () => {
    const blocks = tryBlocks('```try smtp fresh\nEHLO a.example\nRCPT TO:<x@example.com>\n```\n\n```expect\n503 5.5.1 …\n```\n');
    expect(blocks).toEqual([{ service: 'smtp', fresh: true, lines: ['EHLO a.example', 'RCPT TO:<x@example.com>'], expected: ['503 5.5.1 …'], appears: [], at: 1 }]);
    expect(shows('503 5.5.1 …', '503 5.5.1 Error: need MAIL command')).toBe(true);
    expect(shows('550 5.1.1 …', '503 5.5.1 Error: need MAIL command')).toBe(false);
    const marked = tryBlocks('```try smtp\nQUIT\n```\n```expect file carol@otherdomain.com .Trash/cur:2,S\n221 …\n```\n');
    expect(marked[0]!.appears).toEqual([{ address: 'carol@otherdomain.com', dir: '.Trash', sub: 'cur', flags: 'S', written: 'file carol@otherdomain.com .Trash/cur:2,S' }]);
    expect(fileAppears('file bob@example.com cur:2, file bob@example.com cur').map((f) => [f.flags, f.written])).toEqual([['', 'file bob@example.com cur:2,'], [undefined, 'file bob@example.com cur']]);
    expect(() => tryBlocks('```try smtp\nQUIT\n```\n```expect file carol new\n221 …\n```\n')).toThrow(/write "expect file <address>/);
    expect(['a3 NO [TRYCREATE] x', '* BAD y', '-ERR no', '451 4.3.0 later', '250 2.0.0 ok', 'a1 OK done'].map(isError)).toEqual([true, true, true, true, false, false]);
  });
});
