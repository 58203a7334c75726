/**
 * What a mail server answers a login whose mailbox is not on this lab node: a drain is moving
 * it, or another node holds it. Protocol replies are ASCII, so the servers send the English
 * words; the browser terminal recognizes them and explains the reply in zh-CN and en
 * (site/lib/replyExplain.ts), as it does every other reply. A leaf: the site imports it.
 */
import type { Text } from '../feedbackLine.js';

/** Another lab node, as a mail client must be told of it: its host name and mail ports. */
export interface OtherNode {
  id: string;
  host: string;
  ports: Record<string, number>;
}

/** While a drain copies the mailbox to another node: the same login works in a moment. */
export const MAILBOX_MOVING: Text = {
  en: 'Your lab is being moved to another lab node. Wait a moment, then log in again (your mail moves with it)',
  'zh-CN': '你的实验环境正在迁移到另一个实验节点。请稍等片刻，然后重新登录（你的邮件会一起迁移过去）。',
};

/** The mailbox is on another node: where the mail client should connect instead. */
export function mailboxElsewhere(node: OtherNode, service: string): Text {
  const port = node.ports[service];
  return {
    en: `This mailbox is on lab node ${node.id}: connect your mail client to ${node.host}${port ? ` port ${port}` : ''} instead`,
    'zh-CN': `这个邮箱在实验节点 ${node.id} 上：请把邮件客户端改为连接 ${node.host}${port ? ` 的 ${port} 端口` : ''}。`,
  };
}

/** Both languages of a reply line that carries one of the texts above; undefined for any other line. */
export function nodeReplyWords(line: string): Text | undefined {
  if (line.includes(MAILBOX_MOVING.en)) return MAILBOX_MOVING;
  const elsewhere = /This mailbox is on lab node (\S+): connect your mail client to (\S+?)(?: port (\d+))? instead/.exec(line);
  if (elsewhere) return mailboxElsewhere({ id: elsewhere[1]!, host: elsewhere[2]!, ports: elsewhere[3] ? { asked: Number(elsewhere[3]) } : {} }, 'asked');
  return undefined;
}
