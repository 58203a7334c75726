/**
 * Who may open a Dovecot unix_listener, read as Dovecot and the kernel do: the mode is octal
 * only with a leading 0 ("660" is the decimal number, 01224), the user and group must exist
 * on the machine, and connecting to a socket needs write permission alone (unix(7)), checked
 * against the owner's bits if the caller owns it, else the group's, else everyone's.
 */
import { error, ok, text, warn, type FeedbackLine } from '../feedback.js';
import { setting, type DovecotConf } from './dovecotConf.js';
import { dovecotValueError } from './dovecotValues.js';
import { SYSTEM_GROUPS, SYSTEM_USERS } from './systemAccounts.js';

interface Listener {
  path: string;
  /** As written; Dovecot's default is 0600. */
  mode: string;
  user: string;
  group: string;
}

/** Dovecot's own names a listener may be given ($default_internal_user, ...). */
const DEFAULTS: Record<string, string> = { $default_internal_user: 'dovecot', $default_internal_group: 'dovecot', $default_login_user: 'dovenull' };

function listeners(conf: DovecotConf, service: string): Listener[] {
  return conf.sections
    .filter((s) => s.name === 'unix_listener' && s.arg && s.path[0] === `service ${service}`)
    .map((s) => {
      const inside = (key: string): string => {
        const value = setting(conf, key, (path) => path.length === 2 && path[0] === `service ${service}` && path[1] === `unix_listener ${s.arg}`)?.value ?? '';
        return DEFAULTS[value] ?? value;
      };
      return { path: s.arg!, mode: inside('mode') || '0600', user: inside('user'), group: inside('group') };
    });
}

/**
 * Dovecot's reading of a mode, kept in an unsigned int as its get_octal does ("0177777777777777777777"
 * is 037777777777); undefined when doveconf refuses it. Which modes it takes is dovecotValues.ts's.
 */
export function dovecotMode(written: string): number | undefined {
  if (dovecotValueError(written, { kind: 'mode' }) !== undefined) return undefined;
  return Number(BigInt(written.startsWith('0') ? `0o${written}` : written) & 0xffffffffn);
}

/** As the socket gets it: Dovecot's bits above 0777 do not reach a socket ("660" makes 0224). */
const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** The file that answers Postfix's unix:<path>, and whether the postfix user, and only it, may use it. */
export function checkListener(conf: DovecotConf, service: string, socketPath: string, prefix: string, what: { en: string; zh: string }): FeedbackLine[] {
  const all = listeners(conf, service);
  const found = all.find((l) => l.path === socketPath);
  if (!found) {
    return [error(`${prefix}.no-listener`, text(`Dovecot has no ${what.en} socket at ${socketPath}${all.length ? ` (its listeners are ${all.map((l) => l.path).join(', ')})` : ''}, where Postfix will look for it.`, `Dovecot 在 ${socketPath} 没有${what.zh}套接字${all.length ? `（它的监听器是 ${all.map((l) => l.path).join('、')}）` : ''}，而 Postfix 会在那里找它。`), text(`Add "service ${service} { unix_listener ${socketPath} { mode = 0600  user = postfix  group = postfix } }" (one setting per line).`, `添加 "service ${service} { unix_listener ${socketPath} { mode = 0600  user = postfix  group = postfix } }"（每个设置一行）。`))];
  }
  const mode = dovecotMode(found.mode);
  if (mode === undefined) {
    const said = dovecotValueError(found.mode, { kind: 'mode' });
    return [error(`${prefix}.listener-mode`, text(`mode = ${found.mode}: doveconf refuses the file ("${said}"), and Dovecot does not start.`, `mode = ${found.mode}：doveconf 会拒绝整个文件（"${said}"），Dovecot 不会启动。`), text('Write the mode in octal with a leading 0, e.g. "mode = 0600".', '用以 0 开头的八进制写权限，例如 "mode = 0600"。'))];
  }
  const unknown = [...(found.user && !SYSTEM_USERS.has(found.user) ? [['user', found.user, 'User', '用户'] as const] : []), ...(found.group && !SYSTEM_GROUPS.has(found.group) ? [['group', found.group, 'Group', '组'] as const] : [])];
  if (unknown.length) {
    return unknown.map(([key, name, What, whatZh]) =>
      error(`${prefix}.listener-owner`, text(`${key} = ${name}: this machine has no ${key} "${name}" (names are case-sensitive, numbers are not read), and Dovecot stops as it starts: "service(${service}) ${What} doesn't exist: ${name}".`, `${key} = ${name}：这台机器上没有名为 "${name}" 的${whatZh}（名字区分大小写，也不能写数字），Dovecot 启动时会退出："service(${service}) ${What} doesn't exist: ${name}"。`), text(`Write "${key} = postfix": the socket is for Postfix.`, `写 "${key} = postfix"：这个套接字是给 Postfix 用的。`)),
    );
  }
  const lines: FeedbackLine[] = [];
  if (!found.mode.startsWith('0')) {
    lines.push(warn(`${prefix}.listener-decimal`, text(`mode = ${found.mode} has no leading 0, so Dovecot reads it as a decimal number: the socket gets mode ${octal(mode)}, not 0${found.mode}.`, `mode = ${found.mode} 没有以 0 开头，Dovecot 会把它当作十进制数：套接字的权限是 ${octal(mode)}，而不是 0${found.mode}。`), text('Write the mode in octal, with a leading 0: "mode = 0600" (or "mode = 0660" with group = postfix).', '用以 0 开头的八进制写权限："mode = 0600"（或 "mode = 0660" 加 group = postfix）。')));
  }
  if (mode & 0o002) {
    return [...lines, error(`${prefix}.listener-world`, text(`mode = ${found.mode}${found.mode === octal(mode) ? '' : ` (${octal(mode)})`} lets every user on the machine use the ${what.en} socket${service === 'auth' ? ' (and try passwords as often as they like)' : ' (and drop mail into any mailbox)'}: connecting to a socket needs only write permission.`, `mode = ${found.mode}${found.mode === octal(mode) ? '' : `（${octal(mode)}）`}让本机的每个用户都能使用${what.zh}套接字${service === 'auth' ? '（想试多少次密码就试多少次）' : '（并把邮件塞进任何邮箱）'}：连接套接字只需要写权限。`), text('Give it to Postfix alone: mode = 0600, user = postfix (or mode = 0660, group = postfix).', '只给 Postfix 用：mode = 0600、user = postfix（或 mode = 0660、group = postfix）。'))];
  }
  // The postfix user (group postfix) is checked against the owner's bits when it owns the socket, else the group's.
  const allowed = found.user === 'postfix' ? (mode & 0o200) !== 0 : found.group === 'postfix' && (mode & 0o020) !== 0;
  if (!allowed) {
    return [...lines, error(`${prefix}.listener-perm`, text(`The socket belongs to ${found.user || 'root'}:${found.group || 'root'} with mode ${octal(mode)}: Postfix runs as the postfix user and gets "Permission denied" (connecting needs write permission${found.user === 'postfix' ? ' in the owner\'s bits, which apply to the owner whatever the group\'s say' : ''}).`, `套接字属于 ${found.user || 'root'}:${found.group || 'root'}，权限是 ${octal(mode)}：Postfix 以 postfix 用户运行，会得到 "Permission denied"（连接需要写权限${found.user === 'postfix' ? '，而属主只看属主那一组权限位，不看组的' : ''}）。`), text('Write user = postfix and group = postfix in the listener (mode 0600 or 0660).', '在监听器里写 user = postfix 和 group = postfix（mode 0600 或 0660）。'))];
  }
  return [...lines, ok(`${prefix}.listener`, `Dovecot's ${what.en} socket is ${socketPath}, open to the postfix user only.`, `Dovecot 的${what.zh}套接字是 ${socketPath}，只对 postfix 用户开放。`)];
}
