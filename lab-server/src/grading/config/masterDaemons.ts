/**
 * master.cf services the submission exercise does not judge (cleanup, qmgr, pickup ...) whose
 * daemon stops on its command line: a word after the options, which Postfix's daemons refuse
 * ("fatal: unexpected command-line argument", each service routine's sanity check), or an
 * option none of them has ("fatal: invalid option", their shared getopt). The daemon stops at
 * its first request, each time master starts it again (the real Postfix 3.7: pickup and qmgr at
 * once, cleanup at the first mail, whose smtpd then gives up too). pipe and spawn take
 * arguments of their own (flags=, user=, argv=); commands that are no Postfix daemon are not judged.
 */
import { error, text, type FeedbackLine, type Text } from '../feedback.js';
import type { MasterService } from './masterCf.js';

const NO_ARGUMENTS = new Set(['smtpd', 'smtp', 'lmtp', 'cleanup', 'qmgr', 'oqmgr', 'pickup', 'trivial-rewrite', 'bounce', 'error', 'discard', 'local', 'virtual', 'proxymap', 'verify', 'anvil', 'scache', 'tlsmgr', 'flush', 'showq', 'postlogd', 'postscreen', 'dnsblog', 'tlsproxy']);
const WITH_ARGUMENTS = new Set(['pipe', 'spawn']);

/** What stops working while the daemon cannot run. */
function consequence(s: MasterService): Text {
  switch (s.command) {
    case 'cleanup':
      return text('No message can be queued: smtpd on 25, 587 and 465 and the sendmail command all fail to take mail.', '任何邮件都进不了队列：25、587、465 上的 smtpd 和 sendmail 命令都收不了信。');
    case 'qmgr':
    case 'oqmgr':
      return text('Nothing in the queue is ever delivered.', '队列里的邮件永远不会被投递。');
    case 'pickup':
      return text('Mail given to the sendmail command (by local programs and scripts) stays in the maildrop directory.', '交给 sendmail 命令的邮件（本机程序和脚本发的）会一直留在 maildrop 目录里。');
    case 'trivial-rewrite':
      return text('No address can be resolved: mail is neither taken nor delivered.', '任何地址都无法解析：邮件既收不进来也投递不出去。');
    case 'smtp':
      return text('No mail leaves for other servers.', '没有邮件能发往其他服务器。');
    default:
      return text(`Whatever needs the ${s.name} service fails.`, `凡是需要 ${s.name} 服务的操作都会失败。`);
  }
}

/** The error for a service whose daemon stops on its command line, or undefined. */
export function daemonRefused(s: MasterService): FeedbackLine | undefined {
  const r = s.refused;
  const known = NO_ARGUMENTS.has(s.command) || WITH_ARGUMENTS.has(s.command);
  if (!r || !known || (r.kind === 'argument' && WITH_ARGUMENTS.has(s.command))) return undefined;
  const where = `Line ${s.line}: ${s.name} ${s.type} (${s.command})`;
  const whereZh = `第 ${s.line} 行：${s.name} ${s.type}（${s.command}）`;
  const again = { en: 'master starts it again a little later, to the same end', zh: 'master 过一会儿再启动它，结果还是一样' };
  const then = consequence(s);
  if (r.kind === 'option') {
    return error(
      'master.daemon-refused',
      text(`${where}: ${s.command} has no option "${r.word}" (or it lacks its value) and stops each time it is asked to work ("fatal: invalid option"); ${again.en}. ${then.en}`, `${whereZh}：${s.command} 没有 "${r.word}" 这个选项（或者它缺少值），每次要它干活时都会退出（"fatal: invalid option"）；${again.zh}。${then['zh-CN']}`),
      text('Write each setting as "-o name=value" and remove the other options.', '每个设置都写成 "-o name=value"，去掉其他选项。'),
    );
  }
  const comment = r.word.startsWith('#');
  return error(
    'master.daemon-refused',
    text(
      `${where}: ${s.command} takes "${r.word}" as a command-line argument${comment ? ' (in master.cf a # starts a comment only at the start of a line; after a value it is one more word)' : ''} and stops each time it is asked to work ("fatal: unexpected command-line argument: ${r.word}"); ${again.en}. ${then.en}`,
      `${whereZh}：${s.command} 把 "${r.word}" 当成命令行参数${comment ? '（在 master.cf 里，# 只有在行首才表示注释；写在值后面就是又一个词）' : ''}，每次要它干活时都会退出（"fatal: unexpected command-line argument: ${r.word}"）；${again.zh}。${then['zh-CN']}`,
    ),
    text(comment ? 'Put the note on a line of its own that starts with #.' : `Remove "${r.word}": a Postfix daemon takes only options such as "-o name=value".`, comment ? '把注释单独写一行，以 # 开头。' : `去掉 "${r.word}"：Postfix 的守护进程只接受 "-o name=value" 这样的选项。`),
  );
}
