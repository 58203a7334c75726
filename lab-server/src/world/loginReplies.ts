/**
 * What a mail server answers a login try refused because its address sent too many wrong
 * passwords (see authPenalty.ts). Protocol replies are ASCII, so the servers send the English
 * words; the browser terminal recognizes them and explains them in zh-CN and en. A leaf: the
 * site imports it.
 */
import type { Text } from '../feedbackLine.js';

/** What a mail server says to a try refused for now (ASCII; the terminal explains it in both languages). */
export function loginsPaused(seconds: number): Text {
  return {
    en: `Too many wrong passwords from your address. Wait ${seconds} s, then log in again with the right password`,
    'zh-CN': `来自你的地址的错误密码太多了。请等待 ${seconds} 秒，然后用正确的密码重新登录。`,
  };
}

/** Both languages of a reply line that carries loginsPaused; undefined for any other line. */
export function loginsPausedWords(line: string): Text | undefined {
  const m = /Too many wrong passwords from your address\. Wait (\d+) s/.exec(line);
  return m ? loginsPaused(Number(m[1])) : undefined;
}
