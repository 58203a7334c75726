/**
 * What a mail server answers a session whose sandbox was removed under it (an instructor's
 * "Remove learner", or a drain moving it to another lab node): nothing more can be written
 * there, so "try again in a moment" would never work. Protocol replies are ASCII, so the
 * servers send the English words; the browser terminal recognizes them and explains them in
 * zh-CN and en. A leaf: the site imports it.
 */
import type { Text } from '../feedbackLine.js';

export const SANDBOX_REMOVED: Text = {
  en: 'Your lab sandbox was removed from this server (an instructor removed it, or it moved to another lab node), so nothing more is written to it. Open the lab page and reconnect from there; if the page says your lab is gone, ask your instructor',
  'zh-CN': '你的实验环境已从这台服务器上移除（讲师删除了它，或它迁移到了另一个实验节点），因此不会再写入任何内容。请打开实验页面并从那里重新连接；如果页面提示你的实验环境已不存在，请联系讲师。',
};

/** Both languages of a reply line that carries SANDBOX_REMOVED; undefined for any other line. */
export function sandboxRemovedWords(line: string): Text | undefined {
  return line.includes('Your lab sandbox was removed from this server') ? SANDBOX_REMOVED : undefined;
}
