/**
 * mail_location's parameters after the path (":LAYOUT=fs:INDEX=MEMORY"), read as Dovecot 2.3's
 * mailbox_list_settings_parse reads them: names compared as written, and the checks with which
 * it stops opening anyone's mail. Each was run on the real Dovecot (the differential judge).
 */
import { error, text, type FeedbackLine, type Text } from '../feedback.js';

/** mail_location's parameters Dovecot 2.3 knows, as written (mailbox_list_settings_parse: strcmp). */
const LOCATION_KEYS = new Set(['UTF-8', 'INBOX', 'INDEX', 'INDEXPVT', 'INDEXCACHE', 'CONTROL', 'ALT', 'ALTNOCHECK', 'LAYOUT', 'SUBSCRIPTIONS', 'DIRNAME', 'MAILBOXDIR', 'VOLATILEDIR', 'LISTINDEX', 'FULLDIRNAME', 'BROKENCHAR', 'ITERINDEX', 'NO-NOSELECT', 'NO-FS-VALIDATION']);

/** [name, value] of each parameter, in order ("UTF-8" has the value ""). */
export function locationParameters(params: readonly string[]): Array<[string, string]> {
  return params.filter(Boolean).map((param) => {
    const eq = param.indexOf('=');
    return eq < 0 ? [param, ''] : [param.slice(0, eq), param.slice(eq + 1)];
  });
}

const remove = (what: string): Text => text(`Remove ":${what}" from mail_location.`, `从 mail_location 中去掉 ":${what}"。`);

/**
 * BROKENCHAR's value after the variables are expanded must be one byte (strlen): "%%" is "%", a
 * lone "%" or a variable (%n, %{user}, %L) is not, nor "é" (two bytes in UTF-8).
 */
const oneByte = (v: string): boolean => v === '%%' || (v !== '%' && Buffer.byteLength(v) === 1);

/**
 * A parameter with which Dovecot cannot open the lab's Maildirs: a name not written as Dovecot
 * knows it ("layout=fs": "Unknown setting: layout"), a layout other than maildir++ (LAYOUT=index,
 * LAYOUT=Maildir++: no folder found), DIRNAME with Maildir++ ("maildir_name not supported by this
 * driver"), a BROKENCHAR of more than one character. LAYOUT=fs is dovecot.layout's own line.
 */
function parameterProblem(value: string, k: string, v: string): FeedbackLine | undefined {
  if (!LOCATION_KEYS.has(k)) {
    const upper = LOCATION_KEYS.has(k.toUpperCase());
    return error('dovecot.location-parameter', text(`mail_location = ${value}: Dovecot knows no parameter "${k}"${upper ? ` (its names are upper case: ${k.toUpperCase()})` : ''}, and opening any user's mail fails ("Unknown setting: ${k}"): no one can log in or get mail.`, `mail_location = ${value}：Dovecot 不认识参数 "${k}"${upper ? `（参数名是大写的：${k.toUpperCase()}）` : ''}，打开任何用户的邮件都会失败（"Unknown setting: ${k}"）：谁也登录不了、收不到信。`), upper ? text(`Write ${k.toUpperCase()}${v ? `=${v}` : ''}, or remove it.`, `写成 ${k.toUpperCase()}${v ? `=${v}` : ''}，或者去掉它。`) : remove(k));
  }
  if (k === 'LAYOUT' && v !== 'fs' && v !== 'maildir++') {
    return error('dovecot.layout', text(`LAYOUT=${v}: ${v.toLowerCase() === 'maildir++' ? 'Dovecot knows this layout only as "maildir++", in lower case' : 'Dovecot would look for the folders another way'}, and finds none of the lab's folders, kept Maildir++ style (.Sent, .Trash), nor even the INBOX.`, `LAYOUT=${v}：${v.toLowerCase() === 'maildir++' ? 'Dovecot 只认小写的 "maildir++"' : 'Dovecot 会用另一种方式查找文件夹'}，找不到实验环境按 Maildir++ 方式存放的文件夹（.Sent、.Trash），连 INBOX 也找不到。`), remove(`LAYOUT=${v}`));
  }
  if (k === 'DIRNAME' || k === 'FULLDIRNAME') {
    return error('dovecot.dirname', text(`${k}=${v}: with the Maildir++ layout Dovecot cannot put mailboxes in a directory of their own, and opening any user's mail fails ("maildir_name not supported by this driver").`, `${k}=${v}：在 Maildir++ 布局下，Dovecot 不能把邮箱放进单独的目录，打开任何用户的邮件都会失败（"maildir_name not supported by this driver"）。`), remove(`${k}=${v}`));
  }
  if (k === 'BROKENCHAR' && !oneByte(v)) {
    return error('dovecot.location-parameter', text(`BROKENCHAR=${v}: Dovecot takes one character there, the one it writes in place of a character a folder name cannot hold${v.includes('%') ? ' (a "%" starts a variable: write "%%" for the percent sign itself)' : ''}, and opening any user's mail fails ("BROKENCHAR value must be a single character").`, `BROKENCHAR=${v}：这里 Dovecot 只接受一个字符，用来代替文件夹名里放不下的字符${v.includes('%') ? '（"%" 会开始一个变量：百分号本身要写成 "%%"）' : ''}，打开任何用户的邮件都会失败（"BROKENCHAR value must be a single character"）。`), text(`Write one ASCII character, e.g. "BROKENCHAR=_", or remove ":BROKENCHAR=${v}".`, `写一个 ASCII 字符，例如 "BROKENCHAR=_"，或者去掉 ":BROKENCHAR=${v}"。`));
  }
  return undefined;
}

/**
 * The first of mail_location's parameters Dovecot stops on, or undefined. ITERINDEX lists the
 * folders from the index, so it needs INDEX= with a directory: without one, or with INDEX=MEMORY
 * (no index directory), "ITERINDEX requires INDEX to be explicitly set".
 */
export function locationParametersProblem(value: string, params: readonly string[]): FeedbackLine | undefined {
  const all = locationParameters(params);
  for (const [k, v] of all) {
    const wrong = parameterProblem(value, k, v);
    if (wrong) return wrong;
  }
  const index = all.filter(([k]) => k === 'INDEX').at(-1)?.[1] ?? '';
  if (all.some(([k]) => k === 'ITERINDEX') && (index === '' || index === 'MEMORY')) {
    return error('dovecot.location-parameter', text(`mail_location = ${value}: ITERINDEX makes Dovecot list the folders from its index, so it needs the index in a directory (INDEX=...${index === 'MEMORY' ? ', not MEMORY' : ''}); without one, opening any user's mail fails ("ITERINDEX requires INDEX to be explicitly set").`, `mail_location = ${value}：ITERINDEX 让 Dovecot 按索引列出文件夹，所以索引必须放在一个目录里（INDEX=...${index === 'MEMORY' ? '，不能是 MEMORY' : ''}）；否则打开任何用户的邮件都会失败（"ITERINDEX requires INDEX to be explicitly set"）。`), text('Remove ":ITERINDEX" (the lab does not need it), or add an index directory, e.g. ":INDEX=~/index".', '去掉 ":ITERINDEX"（实验环境用不到它），或者加上索引目录，例如 ":INDEX=~/index"。'));
  }
  return undefined;
}
