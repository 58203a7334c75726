/**
 * `!include` names files by a glob (config-parser.c, GLOB_BRACE), and doveconf refuses the whole
 * file when the pattern matches none ("No matches"); `!include_try` does not. The lab's server is
 * Debian's, with the files dovecot-core installs (their lines in dovecotDebianFiles.ts), the
 * answer standing for one of them (dovecot.conf); a relative path is taken from the including
 * file's directory, and a directory reads as nothing.
 * tests/unit/dovecot-includes.test.ts asks the real doveconf.
 */
import { text, type Text } from '../feedback.js';
import { DEBIAN_DOVECOT_TEXT } from './dovecotDebianFiles.js';

/** Debian 12's dovecot-core files under /etc/dovecot (dpkg -L dovecot-core). */
const CONF_D = ['10-auth.conf', '10-director.conf', '10-logging.conf', '10-mail.conf', '10-master.conf', '10-ssl.conf', '10-tcpwrapper.conf', '15-lda.conf',
  '15-mailboxes.conf', '20-imap.conf', '20-lmtp.conf', '20-pop3.conf', '90-acl.conf', '90-plugin.conf', '90-quota.conf', 'auth-checkpassword.conf.ext',
  'auth-deny.conf.ext', 'auth-dict.conf.ext', 'auth-master.conf.ext', 'auth-passwdfile.conf.ext', 'auth-sql.conf.ext', 'auth-static.conf.ext',
  'auth-system.conf.ext'];
export const DEBIAN_DOVECOT_FILES: readonly string[] = [
  '/etc/dovecot/dovecot.conf', '/etc/dovecot/dovecot-dict-auth.conf.ext', '/etc/dovecot/dovecot-dict-sql.conf.ext', '/etc/dovecot/dovecot-sql.conf.ext',
  ...CONF_D.map((f) => `/etc/dovecot/conf.d/${f}`),
];

/** Every name a path's braces stand for ("{a,b}c" is "ac" and "bc"), as GLOB_BRACE expands them. */
function braces(pattern: string, limit = 256): string[] {
  const open = pattern.indexOf('{');
  // A few groups are a pattern; hundreds are not one any server has (and would nest this deep).
  if (open < 0 || pattern.split('{').length > 16) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === '}' && --depth === 0) {
      const cuts = [open, ...commas, i];
      const out: string[] = [];
      for (let k = 0; k + 1 < cuts.length && out.length < limit; k++) {
        out.push(...braces(pattern.slice(0, open) + pattern.slice(cuts[k]! + 1, cuts[k + 1]) + pattern.slice(i + 1), limit));
      }
      return out.slice(0, limit);
    } else if (pattern[i] === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}

/** glob(3) for one path: "*" and "?" within a name (not its leading "."), "[...]" a class of characters. */
function globRegExp(pattern: string): RegExp {
  const names = pattern.split('/').map((name) => {
    let out = name.startsWith('*') || name.startsWith('?') ? '(?!\\.)' : '';
    for (let i = 0; i < name.length; i++) {
      const c = name[i]!;
      const close = c === '[' ? name.indexOf(']', i + 2) : -1;
      if (c === '*') out += '[^/]*';
      else if (c === '?') out += '[^/]';
      else if (close > 0) {
        const inside = name.slice(i + 1, close).replace(/\\/g, '\\\\');
        out += `[${inside.startsWith('!') ? `^${inside.slice(1)}` : inside}]`;
        i = close;
      } else out += c.replace(/[.+^$()|\\]/g, '\\$&');
    }
    return out;
  });
  return new RegExp(`^${names.join('/')}$`);
}

/** Directories of the server: doveconf's glob names them, and reading one reads nothing (doveconf 2.3.19 takes "!include conf.d"). */
const DEBIAN_DOVECOT_DIRS = ['/etc/dovecot', '/etc/dovecot/conf.d', '/etc/dovecot/private'];

/** The including file's directory: doveconf takes a relative path from there (fix_relative_path). */
const directoryOf = (file: string): string => file.slice(0, file.lastIndexOf('/')) || '/';

/**
 * The files and directories of the server a path names, in the order doveconf reads them (each
 * brace's names in turn, each sorted, as glob(3) gives them), none when it names none. A relative
 * path is taken from `from`'s directory.
 */
export function includedFiles(path: string, from = '/etc/dovecot/dovecot.conf', files: readonly string[] = [...DEBIAN_DOVECOT_FILES, ...DEBIAN_DOVECOT_DIRS]): string[] {
  const absolute = path.startsWith('/') ? path : `${directoryOf(from)}/${path}`;
  const found: string[] = [];
  for (const candidate of braces(absolute)) {
    const clean = candidate.replace(/\/{2,}/g, '/').replace(/\/(\.\/)+/g, '/').replace(/(.)\/(\.)?$/, '$1');
    let match: RegExp;
    try {
      match = globRegExp(clean);
    } catch {
      continue;
    }
    found.push(...files.filter((f) => match.test(f)).sort());
  }
  return found;
}

/** A Debian file's lines that are not comments, each with its number in the file. */
function debianLines(path: string): Array<{ text: string; line: number }> {
  return (DEBIAN_DOVECOT_TEXT.get(path) ?? '').split('\n').flatMap((l) => {
    const m = /^(\d+) (.*)$/.exec(l);
    return m ? [{ text: m[2]!, line: Number(m[1]) }] : [];
  });
}

/** Most files one answer's `!include` lines read, stock files included by them too (Debian's own reads 16). */
export const MAX_INCLUDED_FILES = 200;

/** A file an `!include` reads: its lines (each with its number in the file), and the files doveconf holds open while it reads it. */
export interface IncludedFile {
  path: string;
  lines: Array<{ text: string; line: number }>;
  /** The including files, then the glob's later matches (doveconf opens them all at once). */
  open: readonly string[];
}

/**
 * What one `!include` line reads (the answer is the server's `root`), or why doveconf refuses the
 * whole file: "No matches", or "Recursive include file" when a file is one doveconf has open.
 */
export function readInclude(pattern: string, optional: boolean, from: string, open: readonly string[], root: string): { files: IncludedFile[] } | { problem: Text } {
  // "!include" alone names the including file's directory, which reads as nothing.
  if (pattern === '') return { files: [] };
  const found = includedFiles(pattern, from, [...new Set([...DEBIAN_DOVECOT_FILES, root, ...DEBIAN_DOVECOT_DIRS])]);
  if (found.length === 0) return optional ? { files: [] } : { problem: noMatches(pattern, from) };
  const files: IncludedFile[] = [];
  // doveconf opens the matches last to first, each checked against those already open.
  for (let i = found.length - 1; i >= 0; i--) {
    const path = found[i]!;
    const opened = [...open, ...found.slice(i + 1).reverse()];
    if (opened.includes(path)) return { problem: recursive(pattern, path) };
    const lines = path === root || DEBIAN_DOVECOT_DIRS.includes(path) ? [] : debianLines(path);
    files.unshift({ path, lines, open: [...opened, path] });
  }
  return { files };
}

function noMatches(path: string, from: string): Text {
  const dir = directoryOf(from);
  const elsewhere = !path.startsWith('/') && dir === '/etc/dovecot' && includedFiles(path, '/etc/dovecot/conf.d/x').length > 0;
  const en = elsewhere
    ? ` A relative path is taken from the including file's directory, ${dir}: for the file in conf.d write "!include conf.d/${path}".`
    : ` Debian's Dovecot has /etc/dovecot/dovecot.conf, conf.d/*.conf and the *.conf.ext files beside them; name one of those (e.g. "!include conf.d/*.conf"), or write "!include_try" for a file that may be absent.`;
  const zh = elsewhere
    ? `相对路径从包含它的文件所在的目录 ${dir} 算起：conf.d 里的文件要写 "!include conf.d/${path}"。`
    : `Debian 的 Dovecot 有 /etc/dovecot/dovecot.conf、conf.d/*.conf 以及旁边的 *.conf.ext 文件；请写其中的文件（例如 "!include conf.d/*.conf"），或者对可能不存在的文件用 "!include_try"。`;
  return text(`!include ${path}: no file of the server has that name, and doveconf refuses the whole file ("No matches").${en}`, `!include ${path}：服务器上没有这个名字的文件，doveconf 会拒绝整个文件（"No matches"）。${zh}`);
}

function recursive(pattern: string, path: string): Text {
  return text(
    `!include ${pattern}: it names ${path}, a file doveconf is reading already, and doveconf refuses the whole file ("Recursive include file: ${path}"). Include only other files, e.g. "!include conf.d/*.conf" from dovecot.conf.`,
    `!include ${pattern}：它指向 ${path}，而 doveconf 正在读这个文件，doveconf 会拒绝整个文件（"Recursive include file: ${path}"）。只包含别的文件，例如在 dovecot.conf 里写 "!include conf.d/*.conf"。`,
  );
}

/** Where in a file an `!include` reads a setting, a section or a problem stands: the file and its own line. */
export interface IncludedPlace {
  file: string;
  line: number;
}

/** `{ included }` of a setting or section read from an included file, else nothing (to spread into a problem). */
export const placeOf = (x: { included?: IncludedPlace }): { included?: IncludedPlace } => (x.included ? { included: x.included } : {});

/**
 * A problem whose line is one of the Debian files an `!include` reads, told as doveconf tells it
 * ("Error in configuration file /etc/dovecot/conf.d/10-mail.conf line 30: ..."): the answer's line
 * alone is the `!include`'s, and the line to look at is not in the answer at all.
 */
export function toldWhere<P extends { line: number; message: Text; included?: IncludedPlace }>(p: P): P {
  if (!p.included) return p;
  const { file, line } = p.included;
  return {
    ...p,
    message: text(
      `In ${file} line ${line}, which the !include on this line reads: ${p.message.en} That line is Debian's own, not the answer's: it is wrong where this !include reads it. Move the !include (e.g. "!include conf.d/*.conf" at the top level, outside every section), or include only the files meant for dovecot.conf.`,
      `在 ${file} 第 ${line} 行（这一行的 !include 读入了这个文件）：${p.message['zh-CN']} 那一行是 Debian 自带的，不是答案里写的：错在这个 !include 把它读到了这里。请移动 !include（例如在顶层、所有段落之外写 "!include conf.d/*.conf"），或者只包含给 dovecot.conf 用的文件。`,
    ),
  };
}

/** " (set by …)" for a value an included file sets last, in en and zh-CN; empty for the answer's own. */
export function setBy(s: { line: number; included?: IncludedPlace }): { en: string; zh: string } {
  if (!s.included) return { en: '', zh: '' };
  const { file, line } = s.included;
  return {
    en: ` (set last by ${file} line ${line}, which the !include on line ${s.line} reads: an included file's value counts where the !include stands, so write the answer's own after it)`,
    zh: `（最后设置它的是 ${file} 第 ${line} 行，由第 ${s.line} 行的 !include 读入：包含的文件里的值在 !include 所在的位置生效，所以答案自己的设置要写在它后面）`,
  };
}

/**
 * "key = <path" naming a directory of the server (or nothing: the including file's directory):
 * Dovecot reads the value from the file when it starts and refuses the whole file (doveconf -x,
 * 2.3.19: "read(/etc/dovecot/) failed: Is a directory"). A relative path is the including file's neighbour.
 */
export function fileValueProblem(key: string, path: string, from: string): Text | undefined {
  const read = path.startsWith('/') ? path : `${directoryOf(from)}/${path}`;
  const clean = read.replace(/\/{2,}/g, '/').replace(/\/(\.\/)+/g, '/').replace(/\/\.$/, '').replace(/(.)\/$/, '$1');
  if (!DEBIAN_DOVECOT_DIRS.includes(clean)) return undefined;
  return text(
    `${key} = <${path}: "<" reads the value from a file when Dovecot starts, and ${clean} is a directory, so Dovecot refuses the whole file ("read(${read}) failed: Is a directory"). Write the file's path after "<", e.g. "ssl_cert = </etc/dovecot/private/dovecot.pem".`,
    `${key} = <${path}："<" 表示 Dovecot 启动时从文件读取这个值，而 ${clean} 是一个目录，所以 Dovecot 会拒绝整个文件（"read(${read}) failed: Is a directory"）。请在 "<" 后面写文件的路径，例如 "ssl_cert = </etc/dovecot/private/dovecot.pem"。`,
  );
}
