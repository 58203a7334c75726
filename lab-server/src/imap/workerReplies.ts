/**
 * What a command is told when a worker could not read a message for it (it ran past its time,
 * ran out of memory, or crashed), and what the browser terminal explains of that answer. What
 * to do next depends on the command: a FETCH can ask for fewer messages or less of each, a
 * SEARCH can read fewer, an APPEND stored nothing. The server's words are English (replies are
 * ASCII); the terminal recognizes them and says the same in zh-CN and en. A leaf: the site
 * imports it (site/lib/replyExplain.ts).
 */
import type { Text } from '../feedbackLine.js';

type Kind = 'fetch' | 'search' | 'store' | 'read';

/** The words each reply carries, and the terminal matches on. */
const WORDS: Record<Kind, string> = {
  fetch: 'too big or too complex to fetch',
  search: 'too big or too complex to search',
  store: 'too big or too complex to store',
  read: 'too big or too complex to read',
};

function kindOf(verb: string): Kind {
  if (verb === 'FETCH') return 'fetch';
  if (verb === 'SEARCH' || verb === 'SORT' || verb === 'THREAD') return 'search';
  return verb === 'APPEND' ? 'store' : 'read';
}

/** The text of the tagged NO [LIMIT] for `verb` (FETCH, also under UID), `why` the worker's own words. */
export function workerFailedText(verb: string, why: string, tag: string): string {
  const kind = kindOf(verb);
  const what = `${kind === 'store' ? 'The message is' : 'A message here is'} ${WORDS[kind]}: ${why}`;
  if (kind === 'fetch') return `${what}. Fetch fewer messages at a time (e.g. ${tag} FETCH 1:20 ENVELOPE) or less of each (BODY.PEEK[HEADER] rather than BODYSTRUCTURE or BODY[]), or delete the message that is too big`;
  if (kind === 'search') return `${what}. Search fewer messages (e.g. ${tag} SEARCH 1:100 BODY "word"), or use keys that do not read the messages (UNSEEN, SINCE 1-Sep-2026, LARGER 1000)`;
  if (kind === 'store') return `${what}. Nothing was stored. Send a smaller or simpler message`;
  return `${what}. Try ${verb} on fewer messages or a smaller part, or delete the message that is too big`;
}

/** Both languages of what to do next, for a reply line that carries one of the texts above; undefined for any other line. */
export function workerFailedWords(line: string): Text | undefined {
  if (line.includes(WORDS.fetch)) {
    return {
      en: 'NO: a message is too big or too complex for the server to read in time. Fetch fewer messages at a time (e.g. "a1 FETCH 1:20 ENVELOPE") or less of each (BODY.PEEK[HEADER] rather than BODYSTRUCTURE), or delete the message that is too big.',
      'zh-CN': 'NO：有一封邮件太大或结构太复杂，服务器没能及时读完。请一次少取几封（例如 "a1 FETCH 1:20 ENVELOPE"），或每封少取一些（用 BODY.PEEK[HEADER] 代替 BODYSTRUCTURE），或删除那封过大的邮件。',
    };
  }
  if (line.includes(WORDS.search)) {
    return {
      en: 'NO: a message is too big or too complex for the server to search in time. Search fewer messages (e.g. "a1 SEARCH 1:100 BODY "word"") or use keys that do not read the messages (UNSEEN, SINCE, LARGER).',
      'zh-CN': 'NO：有一封邮件太大或结构太复杂，服务器没能及时搜索完。请缩小搜索范围（例如 "a1 SEARCH 1:100 BODY "word""），或改用不需要读取邮件内容的条件（UNSEEN、SINCE、LARGER）。',
    };
  }
  if (line.includes(WORDS.store)) {
    return {
      en: 'NO: the message is too big or too complex for the server to read, and nothing was stored. Send a smaller or simpler message.',
      'zh-CN': 'NO：这封邮件太大或结构太复杂，服务器无法读取，什么都没有保存。请发送更小或更简单的邮件。',
    };
  }
  if (line.includes(WORDS.read)) {
    return {
      en: 'NO: a message is too big or too complex for the server to read in time. Try the command on fewer messages, or delete the message that is too big.',
      'zh-CN': 'NO：有一封邮件太大或结构太复杂，服务器没能及时读完。请对更少的邮件执行这个命令，或删除那封过大的邮件。',
    };
  }
  return undefined;
}
