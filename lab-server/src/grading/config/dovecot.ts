/**
 * Dovecot mail location grader: reads mail_location (2.3) or mail_driver/mail_path/mail_home
 * (2.4) and the home directory, expands the variables for each real user of the lab's world, and
 * compares the result with where that user's mail is (the lab's own store, or the layout the
 * exercise describes, with the Maildir inside the home as Dovecot recommends).
 */
import { relative } from 'node:path';
import { error, ok, text, type FeedbackLine, type Text } from '../feedback.js';
import { mailboxOf } from '../../maildir/sandboxMaildirs.js';
import { defaultWorld, splitAddress } from '../../world/definition.js';
import { Sandbox } from '../../world/sandbox.js';
import { parseDovecotConf, setting, type DovecotConf } from './dovecotConf.js';
import { setBy } from './dovecotIncludes.js';
import { locationParameters, locationParametersProblem } from './dovecotLocationParams.js';

export interface DovecotMailParams {
  /** Which syntax the exercise asks for. */
  version: '2.3' | '2.4' | 'any';
  /** The directory that plays the role of the lab's vhosts directory, e.g. /var/mail/vhosts. */
  base: string;
  /**
   * The Maildir's place inside each user's directory <base>/<domain>/<user> (e.g. "Maildir");
   * absent: the user's directory is the Maildir, as in the lab's own store.
   */
  maildir?: string;
  /** <base>/<domain>/<user> is the user's home and must be given to Dovecot as such. */
  home?: boolean;
}

interface Location {
  /** Where an included file sets mail_location last (setBy). */
  setBy?: { en: string; zh: string };
  driver?: string;
  path?: string;
  home?: string;
  layoutFs: boolean;
  inbox?: string;
}

export class ExpandError extends Error {
  constructor(readonly feedback: FeedbackLine) {
    super(feedback.message.en);
  }
}

/** Where the lab stores each user's Maildir, with the lab's vhosts directory replaced by base. */
export function labMaildirs(base: string): Array<{ address: string; dir: string }> {
  const world = defaultWorld();
  const sandbox = new Sandbox('grader', '/lab', world);
  return world.users.map((u) => ({ address: u.address, dir: `${base.replace(/\/+$/, '')}/${relative(sandbox.vhostsDir, mailboxOf(sandbox, u).dir)}` }));
}

function norm(path: string): string {
  return path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

const OLD_VARS: Record<string, string> = { u: '%{user}', n: '%{user | username}', d: '%{user | domain}', h: '%{home}' };

/** Expands Dovecot variables for one user. */
export function expandVariables(template: string, address: string, home: string | undefined, version: '2.3' | '2.4'): string {
  const parts = splitAddress(address)!;
  const values: Record<string, string> = { user: address, username: parts.local, domain: parts.domain };
  const needHome = (): string => {
    if (home === undefined) {
      throw new ExpandError(error('dovecot.no-home', text('The path uses the home directory (~ or %h/%{home}), but this configuration gives users no home.', '路径用到了主目录（~ 或 %h/%{home}），但这个配置没有给用户设置主目录。'), text('Set mail_home (or home= in the static userdb), or write the full path with the domain and user variables.', '设置 mail_home（或静态 userdb 的 home=），或者用域名和用户名变量写出完整路径。')));
    }
    return home;
  };
  let out = template.startsWith('~') ? needHome() + template.slice(1) : template;
  // A variable's braces hold no "%": "[^}]*" alone read the rest of the path again at every
  // "%{" left open ("%{" written 30 000 times held the lab 2.6 s).
  out = out.replace(/%(%|\{([^}%]*)\}|([A-Za-z]*)([a-zA-Z]))/g, (whole, pct, long, mods, short) => {
    if (pct === '%') return '%';
    if (long !== undefined) {
      const [name, ...filters] = (long as string).split('|').map((s) => s.trim());
      let value: string;
      if (name === 'home') value = needHome();
      else if (name === 'user' || name === 'username' || name === 'domain') {
        if (version === '2.4' && name !== 'user') throw new ExpandError(error('dovecot.old-variable', text(`%{${name}} is 2.3 syntax; Dovecot 2.4 writes %{user | ${name}}.`, `%{${name}} 是 2.3 的写法；Dovecot 2.4 要写 %{user | ${name}}。`), text(`Write %{user | ${name}}.`, `写 %{user | ${name}}。`)));
        value = values[name]!;
      } else throw new ExpandError(unknownVariable(whole));
      for (const f of filters) {
        if (f === 'username') value = splitAddress(value)?.local ?? value;
        else if (f === 'domain') value = splitAddress(value)?.domain ?? '';
        else if (f === 'lower') value = value.toLowerCase();
        else if (f === 'upper') value = value.toUpperCase();
        else throw new ExpandError(unknownVariable(whole));
      }
      return value;
    }
    const letter = short as string;
    if (version === '2.4') {
      throw new ExpandError(error('dovecot.old-variable', text(`Dovecot 2.4 removed the one-letter variables: ${whole} no longer expands.`, `Dovecot 2.4 去掉了单字母变量：${whole} 不会再被展开。`), text(`Write ${OLD_VARS[letter] ?? 'the %{...} form'} instead.`, `改写成 ${OLD_VARS[letter] ?? '%{...} 形式'}。`)));
    }
    let value: string;
    if (letter === 'u') value = values.user!;
    else if (letter === 'n') value = values.username!;
    else if (letter === 'd') value = values.domain!;
    else if (letter === 'h') value = needHome();
    else throw new ExpandError(unknownVariable(whole));
    for (const m of (mods as string).split('')) {
      if (m === 'L') value = value.toLowerCase();
      else if (m === 'U') value = value.toUpperCase();
      else throw new ExpandError(unknownVariable(whole));
    }
    return value;
  });
  return out;
}

function unknownVariable(v: string): FeedbackLine {
  return error('dovecot.variable', text(`The grader does not know how to expand ${v} for a user's mail path.`, `评分程序无法为用户邮件路径展开 ${v}。`), text('Use the user, domain and home variables: %d/%n (2.3) or %{user | domain}/%{user | username} (2.4).', '使用用户、域名和主目录变量：%d/%n（2.3）或 %{user | domain}/%{user | username}（2.4）。'));
}

function userdbHome(conf: DovecotConf): string | undefined {
  // 2.4: userdb static { fields { home = ... } }
  const field = conf.settings.filter((s) => s.key === 'home' && s.path.some((p) => p.startsWith('userdb')));
  if (field.length) return field[field.length - 1]!.value;
  // 2.3: userdb { driver = static  args = uid=vmail gid=vmail home=/var/mail/vhosts/%d/%n }
  const args = conf.settings.filter((s) => s.key === 'args' && s.path.some((p) => p.startsWith('userdb')));
  for (const a of args.reverse()) {
    const m = /(?:^|\s)home=(\S+)/.exec(a.value);
    if (m) return m[1];
  }
  return undefined;
}

function readLocation(conf: DovecotConf, lines: FeedbackLine[]): Location | undefined {
  const loc: Location = { layoutFs: false };
  const home = setting(conf, 'mail_home')?.value ?? userdbHome(conf);
  if (home !== undefined) loc.home = home;
  if (conf.version === '2.3') {
    const ml = setting(conf, 'mail_location');
    if (setting(conf, 'mail_driver') || setting(conf, 'mail_path')) {
      lines.push(error('dovecot.mixed-syntax', text('mail_driver and mail_path are Dovecot 2.4 settings, but this file has no "dovecot_config_version = 2.4.0" first line, so Dovecot reads it as 2.3.', 'mail_driver 和 mail_path 是 Dovecot 2.4 的设置，但这个文件第一行没有 "dovecot_config_version = 2.4.0"，Dovecot 会按 2.3 读取。'), text('Either start the file with "dovecot_config_version = 2.4.0" (and dovecot_storage_version), or use the 2.3 form "mail_location = maildir:...".', '要么在文件开头写 "dovecot_config_version = 2.4.0"（以及 dovecot_storage_version），要么用 2.3 的写法 "mail_location = maildir:..."。')));
      return undefined;
    }
    if (!ml) {
      lines.push(error('dovecot.no-location', text('mail_location is not set: Dovecot would guess the mail format and place, and it may guess wrong.', '没有设置 mail_location：Dovecot 会自己猜邮件格式和位置，可能猜错。'), text('Write "mail_location = maildir:/var/mail/vhosts/%d/%n".', '写 "mail_location = maildir:/var/mail/vhosts/%d/%n"。')));
      return undefined;
    }
    const value = ml.value;
    const colon = value.indexOf(':');
    if (colon < 0 || value.startsWith('/') || value.startsWith('~')) {
      lines.push(error('dovecot.format-missing', text(`mail_location = ${value} does not say the mailbox format; Dovecot then tries to autodetect it from what is on disk.`, `mail_location = ${value} 没有写邮箱格式；Dovecot 会根据磁盘上的内容去猜。`), text(`Put the format first: "mail_location = maildir:${value}".`, `在前面写上格式："mail_location = maildir:${value}"。`)));
      return undefined;
    }
    loc.driver = value.slice(0, colon).toLowerCase();
    loc.setBy = setBy(ml);
    const [path, ...params] = value.slice(colon + 1).split(':');
    loc.path = path!;
    const wrong = locationParametersProblem(value, params);
    if (wrong) {
      lines.push(wrong);
      return undefined;
    }
    for (const [k, v] of locationParameters(params)) {
      if (k === 'LAYOUT' && v === 'fs') loc.layoutFs = true;
      if (k === 'INBOX' && v) loc.inbox = v;
    }
  } else {
    if (setting(conf, 'mail_location')) {
      lines.push(error('dovecot.mixed-syntax', text('Dovecot 2.4 removed mail_location.', 'Dovecot 2.4 去掉了 mail_location。'), text('Write "mail_driver = maildir" and "mail_path = ..." instead.', '改写为 "mail_driver = maildir" 和 "mail_path = ..."。')));
      return undefined;
    }
    const driver = setting(conf, 'mail_driver');
    const path = setting(conf, 'mail_path');
    if (!driver || !path) {
      lines.push(error('dovecot.no-location', text(`${!driver ? 'mail_driver' : 'mail_path'} is not set, so Dovecot does not know ${!driver ? 'the mailbox format' : 'where the mail is'}.`, `没有设置 ${!driver ? 'mail_driver' : 'mail_path'}，Dovecot 不知道${!driver ? '邮箱格式' : '邮件在哪里'}。`), text('Write "mail_driver = maildir" and "mail_path = /var/mail/vhosts/%{user | domain}/%{user | username}".', '写 "mail_driver = maildir" 和 "mail_path = /var/mail/vhosts/%{user | domain}/%{user | username}"。')));
      return undefined;
    }
    loc.driver = driver.value.toLowerCase();
    loc.path = path.value;
    loc.layoutFs = (setting(conf, 'mailbox_list_layout')?.value ?? '').toLowerCase() === 'fs';
    const inbox = setting(conf, 'mail_inbox_path');
    if (inbox) loc.inbox = inbox.value;
  }
  return loc;
}

export async function gradeDovecotMaildir(answer: string, p: DovecotMailParams): Promise<FeedbackLine[]> {
  const conf = parseDovecotConf(answer);
  const lines: FeedbackLine[] = conf.problems.map((x) => error('dovecot.syntax', text(`Line ${x.line}: ${x.message.en}`, `第 ${x.line} 行：${x.message['zh-CN']}`), text('Check the line with "doveconf -n", which prints the configuration as Dovecot reads it.', '用 "doveconf -n" 检查这一行，它会打印 Dovecot 实际读到的配置。')));
  if (conf.settings.length === 0 && conf.problems.length === 0) {
    return [error('dovecot.empty', text('The answer contains no settings.', '答案里没有任何设置。'), text('Write dovecot.conf lines such as "mail_location = maildir:...".', '写出 dovecot.conf 的配置行，例如 "mail_location = maildir:..."。'))];
  }
  if (p.version !== 'any' && conf.version !== p.version) {
    lines.push(
      error(
        'dovecot.version',
        p.version === '2.4'
          ? text('The exercise asks for Dovecot 2.4 syntax, and a 2.4 file must begin with "dovecot_config_version = 2.4.0".', '题目要求 Dovecot 2.4 语法，2.4 的配置文件必须以 "dovecot_config_version = 2.4.0" 开头。')
          : text('The exercise asks for Dovecot 2.3 syntax, but this file declares version 2.4.', '题目要求 Dovecot 2.3 语法，但这个文件声明的是 2.4 版本。'),
        p.version === '2.4' ? text('Start with "dovecot_config_version = 2.4.0" and "dovecot_storage_version = 2.4.0".', '以 "dovecot_config_version = 2.4.0" 和 "dovecot_storage_version = 2.4.0" 开头。') : text('Remove dovecot_config_version and use mail_location.', '删掉 dovecot_config_version，使用 mail_location。'),
      ),
    );
    return lines;
  }
  if (conf.version === '2.4' && !setting(conf, 'dovecot_storage_version')) {
    lines.push(error('dovecot.storage-version', text('Dovecot 2.4 also requires dovecot_storage_version; without it Dovecot refuses to start.', 'Dovecot 2.4 还要求设置 dovecot_storage_version；没有它 Dovecot 拒绝启动。'), text('Add "dovecot_storage_version = 2.4.0".', '添加 "dovecot_storage_version = 2.4.0"。')));
  }
  const loc = readLocation(conf, lines);
  if (!loc) return lines;
  if (loc.driver !== 'maildir') {
    lines.push(error('dovecot.format', text(`The mailbox format is "${loc.driver}"${loc.setBy?.en ?? ''}, but the lab stores mail as Maildir (one file per message, cur/ new/ tmp/).`, `邮箱格式是 "${loc.driver}"${loc.setBy?.zh ?? ''}，但实验环境的邮件以 Maildir 存储（每封邮件一个文件，cur/ new/ tmp/）。`), text('Use maildir.', '使用 maildir。')));
    return lines;
  }
  lines.push(ok('dovecot.format', 'The mailbox format is Maildir.', '邮箱格式是 Maildir。'));
  if (loc.layoutFs) {
    lines.push(error('dovecot.layout', text('LAYOUT=fs makes Dovecot look for folders as Sent/, Trash/; the lab keeps them Maildir++ style as .Sent, .Trash.', 'LAYOUT=fs 会让 Dovecot 按 Sent/、Trash/ 查找文件夹；实验环境按 Maildir++ 的方式存成 .Sent、.Trash。'), text('Remove the layout option (Maildir++ is the default).', '去掉 layout 选项（默认就是 Maildir++）。')));
  }

  const targets = labMaildirs(p.base).map((t) => ({ address: t.address, home: t.dir, dir: p.maildir ? `${t.dir}/${p.maildir}` : t.dir }));
  try {
    if (p.home && loc.home === undefined) {
      lines.push(error('dovecot.home-unset', text(`Users have no home directory. Dovecot keeps each user's own files there (Sieve scripts, the .dovecot.sieve link, some index data); here the home is ${p.base}/<domain>/<user>.`, `用户没有主目录。Dovecot 把每个用户自己的文件（Sieve 脚本、.dovecot.sieve 链接、部分索引数据）放在主目录里；本题的主目录是 ${p.base}/<域名>/<用户名>。`), text(`Set "mail_home = ${p.base}/${conf.version === '2.4' ? '%{user | domain}/%{user | username}' : '%d/%n'}" (or home= in the userdb).`, `设置 "mail_home = ${p.base}/${conf.version === '2.4' ? '%{user | domain}/%{user | username}' : '%d/%n'}"（或在 userdb 里设置 home=）。`)));
      return lines;
    }
    for (const { address, dir, home: wantedHome } of targets) {
      const home = loc.home === undefined ? undefined : expandVariables(loc.home, address, undefined, conf.version);
      if (p.home && norm(home!) !== norm(wantedHome)) {
        lines.push(error('dovecot.home', text(`For ${address} the home expands to ${home}, but it is ${wantedHome}.`, `对 ${address} 主目录展开后是 ${home}，但应是 ${wantedHome}。`), text(`Build it from the base, the domain and the user name: ${p.base}/<domain>/<user>.`, `用基准目录、域名和用户名拼出：${p.base}/<域名>/<用户名>。`)));
        return lines;
      }
      const got = norm(expandVariables(loc.path!, address, home, conf.version));
      if (got !== norm(dir)) {
        const hint: Text = /%u|%\{user\}(?!\s*\|)/.test(loc.path!)
          ? text('%u / %{user} is the whole address (alice@example.com); the directory is named by the part before the @: %n, or %{user | username} in 2.4.', '%u / %{user} 是完整地址（alice@example.com）；目录名是 @ 前面的部分：%n，2.4 中是 %{user | username}。')
          : home !== undefined && got === norm(home) && p.maildir
            ? text(`That makes the home directory itself the Maildir, which Dovecot advises against: its own files in the home (.dovecot.sieve, ...) would sit among the mail folders. Keep the Maildir in a subdirectory: ~/${p.maildir}.`, `这样主目录本身就成了 Maildir，Dovecot 不建议这样做：主目录里 Dovecot 自己的文件（.dovecot.sieve 等）会和邮件文件夹混在一起。把 Maildir 放在子目录里：~/${p.maildir}。`)
            : text(`Build the path from the base, the domain and the user name: ${p.base}/<domain>/<user>${p.maildir ? `/${p.maildir}` : ''}.`, `用基准目录、域名和用户名拼出路径：${p.base}/<域名>/<用户名>${p.maildir ? `/${p.maildir}` : ''}。`);
        lines.push(error('dovecot.path', text(`For ${address} the Maildir expands to ${got}, but Postfix delivers that user's mail to ${dir}.`, `对 ${address} 的 Maildir 展开后是 ${got}，但 Postfix 把这个用户的邮件投递到 ${dir}。`), hint));
        return lines;
      }
    }
  } catch (err) {
    if (err instanceof ExpandError) {
      lines.push(err.feedback);
      return lines;
    }
    throw err;
  }
  if (loc.inbox) {
    // Expanded as the path is, the user's home included (INBOX=~/Maildir/.INBOX).
    let inbox: string;
    try {
      const home = loc.home === undefined ? undefined : expandVariables(loc.home, targets[0]!.address, undefined, conf.version);
      inbox = norm(expandVariables(loc.inbox, targets[0]!.address, home, conf.version));
    } catch (err) {
      if (!(err instanceof ExpandError)) throw err;
      return [...lines, err.feedback];
    }
    if (inbox !== norm(targets[0]!.dir)) {
      lines.push(error('dovecot.inbox', text(`The INBOX is put at ${inbox}, but the INBOX is the Maildir itself (${targets[0]!.dir}).`, `INBOX 被放在 ${inbox}，但 INBOX 就是 Maildir 本身（${targets[0]!.dir}）。`), text('Remove the INBOX setting.', '去掉 INBOX 设置。')));
    }
  }
  lines.push(ok('dovecot.path', `Expanded for real users it matches where their mail is: ${targets.map((t) => `${t.address} → ${t.dir}`).join(', ')}.`, `为真实用户展开后与邮件所在位置一致：${targets.map((t) => `${t.address} → ${t.dir}`).join('，')}。`));
  return lines;
}
