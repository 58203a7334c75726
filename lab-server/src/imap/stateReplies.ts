/**
 * What the lab's IMAP server answers a command the session is not ready for (SELECT before
 * LOGIN, FETCH with no mailbox selected, LOGIN once logged in), and what the browser terminal
 * explains of that answer. Protocol replies are ASCII, so the server sends the English words;
 * the terminal recognizes the same words here and says what to do first in zh-CN and en. A
 * leaf: the site imports it (site/lib/replyExplain.ts).
 */
import type { Text } from '../feedbackLine.js';

/** Why the state refuses the command: no login yet, no mailbox selected, or already logged in. */
export type StateNeed = 'login' | 'selected' | 'not-logged-in';

/** The words each BAD text carries, and the terminal matches on. */
const WORDS: Record<StateNeed, string> = {
  login: 'needs you to log in first',
  selected: 'works on the selected mailbox, and none is selected',
  'not-logged-in': 'is only allowed before login',
};

/** The text of the server's tagged BAD: what is wrong, and the command to type first. */
export function wrongStateText(verb: string, need: StateNeed, tag: string, address?: string): string {
  if (need === 'login') return `${verb} ${WORDS.login}. Try: ${tag} LOGIN alice@example.com secret`;
  if (need === 'selected') return `${verb} ${WORDS.selected}. Select one first. Try: ${tag} SELECT INBOX`;
  return `${verb} ${WORDS['not-logged-in']}; you are logged in as ${address}. To send it, LOGOUT, connect again and send it before you log in`;
}

/** Both languages of what to do first, for a reply line that carries one of the texts above; undefined for any other line. */
export function wrongStateWords(verb: string, line: string): Text | undefined {
  if (line.includes(WORDS.login)) {
    return { en: `BAD: ${verb} needs you to be logged in. Log in first, e.g. "a1 LOGIN alice@example.com secret", then send it again.`, 'zh-CN': `BAD：${verb} 需要先登录。请先登录，例如 "a1 LOGIN alice@example.com secret"，再发送一次。` };
  }
  if (line.includes(WORDS.selected)) {
    return { en: `BAD: ${verb} works on a selected mailbox, and none is selected. Select one first, e.g. "a1 SELECT INBOX", then send it again.`, 'zh-CN': `BAD：${verb} 作用于已选中的邮箱，而现在没有选中任何邮箱。请先选中一个，例如 "a1 SELECT INBOX"，再发送一次。` };
  }
  if (line.includes(WORDS['not-logged-in'])) {
    return { en: `BAD: ${verb} is only for before login, and this session is logged in already. To send it, send LOGOUT, connect again and send it before you log in.`, 'zh-CN': `BAD：${verb} 只能在登录前使用，而这个会话已经登录了。要发送它，请先发送 LOGOUT，重新连接，并在登录之前发送。` };
  }
  return undefined;
}
