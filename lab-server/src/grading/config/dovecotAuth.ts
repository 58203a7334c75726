/**
 * Dovecot's user databases for virtual users (Dovecot 2.3 syntax): a passdb that checks each
 * lab user's password in a passwd-file, and a userdb that gives every user the vmail uid/gid
 * and a home. Graded by doing what Dovecot does: each lab user's login name is expanded with
 * the passdb's username_format, looked up in the exercise's users file, and "secret" checked
 * against the stored hash; then the userdb's fields are expanded for that user.
 */
import { createHash } from 'node:crypto';
import { error, ok, text, type FeedbackLine } from '../feedback.js';
import { defaultWorld } from '../../world/definition.js';
import { ExpandError, expandVariables } from './dovecot.js';
import { parseDovecotConf, setting, type DovecotConf } from './dovecotConf.js';

export interface DovecotAuthParams {
  /** The users file (passwd-file format) and where it is. */
  usersFile: string;
  users: string[];
  uid: number;
  gid: number;
  /** The home for each user, with {domain} and {user}. */
  home: string;
}

interface Db {
  driver: string;
  args: Map<string, string>;
  /** The args word that is not key=value: the file. */
  file?: string;
  line: number;
  /** The args as written, for drivers that read them their own way. */
  raw?: string;
}

/**
 * A passwd-file passdb's args as Dovecot 2.3 reads them (passdb-passwd-file.c): scheme= and
 * username_format= words until one starts with "/", which begins the file's name, the rest of
 * the line included ("/etc/dovecot/users scheme=SSHA512" is one name); any other word stops the
 * auth process ("passdb passwd-file: Unknown setting: SCHEME").
 */
function passwdFileArgs(raw: string): { args: Map<string, string>; file?: string; unknown?: string } {
  const args = new Map<string, string>();
  let rest = raw.trim();
  while (rest !== '' && !rest.startsWith('/')) {
    // As Dovecot does: the key runs to the first "=" of the rest, the value to the next blank.
    const eq = rest.indexOf('=');
    const after = eq < 0 ? rest : rest.slice(eq + 1);
    const space = after.indexOf(' ');
    const key = eq < 0 ? rest : rest.slice(0, eq);
    if (key !== 'scheme' && key !== 'username_format') return { args, unknown: key };
    args.set(key, space < 0 ? after : after.slice(0, space));
    rest = space < 0 ? '' : after.slice(space + 1);
  }
  return rest === '' ? { args } : { args, file: rest };
}

function databases(conf: DovecotConf, kind: 'passdb' | 'userdb'): Db[] {
  // Dovecot 2.3 numbers each "passdb {" without a name (two are two passdbs, tried in turn); a name written twice is one.
  const dbs = new Map<unknown, Db>();
  for (const s of conf.settings) {
    const section = s.path[0];
    if (!section || (section !== kind && !section.startsWith(`${kind} `))) continue;
    const id = section === kind && s.outermost ? s.outermost : section;
    const db: Db = dbs.get(id) ?? { driver: section.slice(kind.length + 1), args: new Map<string, string>(), line: s.line };
    if (s.key === 'driver') db.driver = s.value;
    if (s.key === 'args') {
      // Given twice, the last args replaces the first entirely, as every Dovecot setting does.
      db.raw = s.value;
      db.args = new Map<string, string>();
      db.file = undefined;
      for (const word of s.value.split(/\s+/).filter(Boolean)) {
        const eq = word.indexOf('=');
        if (eq > 0) db.args.set(word.slice(0, eq), word.slice(eq + 1));
        else db.file = word;
      }
    }
    dbs.set(id, db);
  }
  return [...dbs.values()];
}

/** Checks a password against a Dovecot hash: {SSHA512}, {SHA512}, {SSHA256}, {SHA256}, {PLAIN}. */
export function passwordMatches(stored: string, password: string): boolean {
  const m = /^\{([A-Z0-9.-]+)\}(.*)$/.exec(stored);
  const [scheme, value] = m ? [m[1]!, m[2]!] : ['PLAIN', stored];
  if (scheme === 'PLAIN') return value === password;
  const algorithm = /512/.test(scheme) ? 'sha512' : /256/.test(scheme) ? 'sha256' : undefined;
  if (!algorithm) return false;
  const raw = Buffer.from(value, 'base64');
  const size = algorithm === 'sha512' ? 64 : 32;
  const salt = scheme.startsWith('S') ? raw.subarray(size) : Buffer.alloc(0);
  return createHash(algorithm).update(password).update(salt).digest().equals(raw.subarray(0, size));
}

export async function gradeDovecotAuth(answer: string, p: DovecotAuthParams): Promise<FeedbackLine[]> {
  try {
    return checkDatabases(answer, p);
  } catch (err) {
    // A variable Dovecot would not expand: said as one line.
    if (err instanceof ExpandError) return [err.feedback];
    throw err;
  }
}

function checkDatabases(answer: string, p: DovecotAuthParams): FeedbackLine[] {
  const conf = parseDovecotConf(answer);
  const lines: FeedbackLine[] = conf.problems.map((x) => error('dovecot.syntax', text(`Line ${x.line}: ${x.message.en}`, `第 ${x.line} 行：${x.message['zh-CN']}`), text('Check the line with "doveconf -n".', '用 "doveconf -n" 检查这一行。')));
  const table = new Map(p.users.map((l) => l.split(':')).map((f) => [f[0]!, f[1] ?? '']));
  const passdbs = databases(conf, 'passdb');
  const found = passdbs.find((d) => d.driver === 'passwd-file');
  const read = found && passwdFileArgs(found.raw ?? '');
  const fileDb = found && read ? { ...found, args: read.args, file: read.file?.replace(/\/{2,}/g, '/') } : undefined;
  if (read?.unknown !== undefined) {
    const blank = /^\s/.test(read.unknown) ? { en: ' (two blanks in a row: the second starts a word of its own)', zh: '（连着两个空格：第二个空格被当成一个词的开头）' } : { en: '', zh: '' };
    lines.push(error('auth.passdb-args', text(`The passdb's args hold "${read.unknown}"${blank.en}, which passwd-file does not know: the auth process stops as it starts ("passdb passwd-file: Unknown setting: ${read.unknown}"), and nobody can log in. It knows scheme= and username_format=, in lower case, then the file, from its "/".`, `passdb 的 args 里有 "${read.unknown}"${blank.zh}，passwd-file 不认识它：认证进程一启动就退出（"passdb passwd-file: Unknown setting: ${read.unknown}"），谁也登录不了。它只认识小写的 scheme= 和 username_format=，然后是以 "/" 开头的文件。`), text(`Write "args = scheme=SSHA512 username_format=%u ${p.usersFile}".`, `写 "args = scheme=SSHA512 username_format=%u ${p.usersFile}"。`)));
  } else if (!fileDb) {
    lines.push(error(passdbs.length ? 'auth.passdb-driver' : 'auth.no-passdb', passdbs.length ? text(`The passdb uses ${passdbs.map((d) => d.driver || '(no driver)').join(', ')}: the virtual users are not system accounts, their passwords are in ${p.usersFile}.`, `passdb 使用的是 ${passdbs.map((d) => d.driver || '（没有 driver）').join('、')}：虚拟用户不是系统账户，他们的密码在 ${p.usersFile} 里。`) : text('There is no passdb: Dovecot cannot check any password, so nobody can log in.', '没有 passdb：Dovecot 无法核对任何密码，谁也登录不了。'), text(`Add "passdb { driver = passwd-file  args = scheme=SSHA512 username_format=%u ${p.usersFile} }" (one setting per line).`, `添加 "passdb { driver = passwd-file  args = scheme=SSHA512 username_format=%u ${p.usersFile} }"（每个设置一行）。`)));
  } else if (fileDb.file !== p.usersFile) {
    const tail = fileDb.file?.includes(' ') ? { en: ' (everything after the "/" is the file\'s name: the words after it too)', zh: '（"/" 之后的所有内容都是文件名：后面的词也算）' } : { en: '', zh: '' };
    lines.push(error('auth.passdb-path', text(`The passdb reads ${fileDb.file ?? 'no file'}${tail.en}, but the users are in ${p.usersFile}.`, `passdb 读取的是 ${fileDb.file ?? '（没有文件）'}${tail.zh}，但用户在 ${p.usersFile} 里。`), text(`End the args with the file: "args = username_format=%u ${p.usersFile}".`, `在 args 的最后写上文件："args = username_format=%u ${p.usersFile}"。`)));
  } else {
    const format = fileDb.args.get('username_format') ?? '%u';
    const users = defaultWorld().users.map((u) => u.address);
    const keys = users.map((u) => ({ user: u, key: expandVariables(format, u, undefined, '2.3') }));
    const missing = keys.filter((k) => !table.has(k.key));
    if (missing.length) {
      lines.push(error('auth.passdb-user', text(`With username_format=${format}, Dovecot looks up "${missing[0]!.key}" for ${missing[0]!.user}, but the file lists full addresses such as ${[...table.keys()][0]}: nobody is found.`, `username_format=${format} 时，Dovecot 为 ${missing[0]!.user} 查找的是 "${missing[0]!.key}"，但文件里列的是 ${[...table.keys()][0]} 这样的完整地址：一个用户也找不到。`), text('Use username_format=%u (the whole address, the default).', '使用 username_format=%u（完整地址，也是默认值）。')));
    } else if (keys.some((k) => !passwordMatches(table.get(k.key)!, 'secret'))) {
      lines.push(error('auth.passdb-hash', text('A stored hash does not match the password "secret".', '某个保存的哈希与密码 "secret" 不匹配。'), text('Keep the users file as given.', '保持用户文件原样。')));
    } else {
      lines.push(ok('auth.passdb', `passdb: ${users.join(', ')} log in with "secret" (hashes checked in ${p.usersFile}).`, `passdb：${users.join('、')} 用 "secret" 登录（已在 ${p.usersFile} 中核对哈希）。`));
    }
  }
  lines.push(...checkUserdb(conf, p));
  return lines;
}

function checkUserdb(conf: DovecotConf, p: DovecotAuthParams): FeedbackLine[] {
  const userdbs = databases(conf, 'userdb');
  const db = userdbs.find((d) => d.driver === 'static') ?? userdbs[0];
  if (!db) return [error('auth.no-userdb', text('There is no userdb: after a login (and for LMTP delivery) Dovecot does not know the user\'s uid, gid and home.', '没有 userdb：登录之后（以及 LMTP 投递时）Dovecot 不知道用户的 uid、gid 和主目录。'), text('Add "userdb { driver = static  args = uid=vmail gid=vmail home=/var/mail/vhosts/%d/%n }" (one setting per line).', '添加 "userdb { driver = static  args = uid=vmail gid=vmail home=/var/mail/vhosts/%d/%n }"（每个设置一行）。'))];
  if (db.driver !== 'static') {
    return [error('auth.userdb-fields', text(`The userdb uses ${db.driver}, but the users file holds only names and password hashes, no uid, gid or home.`, `userdb 使用的是 ${db.driver}，但用户文件里只有名字和密码哈希，没有 uid、gid 或主目录。`), text('All virtual users share the vmail account: "userdb { driver = static  args = uid=vmail gid=vmail home=... }".', '所有虚拟用户共用 vmail 账户："userdb { driver = static  args = uid=vmail gid=vmail home=... }"。'))];
  }
  const id = (v: string | undefined): number | undefined => (v === undefined ? undefined : v === 'vmail' ? 5000 : Number(v));
  const globalUid = setting(conf, 'mail_uid')?.value;
  const globalGid = setting(conf, 'mail_gid')?.value;
  const uid = id(db.args.get('uid') ?? globalUid);
  const gid = id(db.args.get('gid') ?? globalGid);
  if (uid !== p.uid || gid !== p.gid) {
    return [error('auth.userdb-uid', text(`The mail processes would run as uid ${uid ?? '(none)'}, gid ${gid ?? '(none)'}, but the Maildirs belong to vmail (${p.uid}/${p.gid}).`, `邮件进程会以 uid ${uid ?? '（无）'}、gid ${gid ?? '（无）'} 运行，但 Maildir 属于 vmail（${p.uid}/${p.gid}）。`), text('Write uid=vmail gid=vmail (or 5000) in the static userdb args.', '在静态 userdb 的 args 里写 uid=vmail gid=vmail（或 5000）。'))];
  }
  const home = db.args.get('home');
  for (const address of defaultWorld().users.map((u) => u.address)) {
    const [user, domain] = address.split('@') as [string, string];
    const wanted = p.home.replace('{domain}', domain).replace('{user}', user);
    const got = home === undefined ? undefined : expandVariables(home, address, undefined, '2.3');
    if (got !== wanted) {
      return [error('auth.userdb-home', text(`For ${address} the home is ${got ?? 'not set'}, but it is ${wanted}.`, `${address} 的主目录是 ${got ?? '未设置'}，但应是 ${wanted}。`), text('Add home=/var/mail/vhosts/%d/%n to the static userdb args.', '在静态 userdb 的 args 里加上 home=/var/mail/vhosts/%d/%n。'))];
    }
  }
  return [ok('auth.userdb', `userdb: every user runs as vmail (${p.uid}/${p.gid}) with the home ${p.home.replace('{domain}', '<domain>').replace('{user}', '<user>')}.`, `userdb：每个用户都以 vmail（${p.uid}/${p.gid}）运行，主目录是 ${p.home.replace('{domain}', '<域名>').replace('{user}', '<用户名>')}。`)];
}
