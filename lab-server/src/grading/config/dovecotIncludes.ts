/**
 * `!include` names files by a glob (config-parser.c, GLOB_BRACE), and doveconf refuses the whole
 * file when the pattern matches none ("No matches"); `!include_try` does not. The lab's server is
 * Debian's, with the files dovecot-core installs; a relative path is taken from the including
 * file's directory, /etc/dovecot or /etc/dovecot/conf.d (the answer does not say which).
 * tests/unit/dovecot-includes.test.ts asks the real doveconf.
 */
import { text, type Text } from '../feedback.js';

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

/** The files of the server a path names (doveconf's glob), none when it names none. */
export function includedFiles(path: string, files: readonly string[] = DEBIAN_DOVECOT_FILES): string[] {
  const absolute = path.startsWith('/') ? [path] : [`/etc/dovecot/${path}`, `/etc/dovecot/conf.d/${path}`];
  const found = new Set<string>();
  for (const candidate of absolute.flatMap((p) => braces(p))) {
    const clean = candidate.replace(/\/{2,}/g, '/').replace(/\/(\.\/)+/g, '/');
    let match: RegExp;
    try {
      match = globRegExp(clean);
    } catch {
      continue;
    }
    for (const f of files) if (match.test(f)) found.add(f);
  }
  return [...found];
}

/** doveconf's "No matches" for each `!include` that names no file of the server. */
export function includeProblems(includes: ReadonlyArray<{ path: string; optional: boolean; line: number }>): Array<{ line: number; message: Text }> {
  return includes
    .filter((inc) => !inc.optional && inc.path !== '' && includedFiles(inc.path).length === 0)
    .map((inc) => ({
      line: inc.line,
      message: text(
        `!include ${inc.path}: no file of the server has that name, and doveconf refuses the whole file ("No matches"). Debian's Dovecot has /etc/dovecot/dovecot.conf, conf.d/*.conf and the *.conf.ext files beside them; name one of those (e.g. "!include conf.d/*.conf"), or write "!include_try" for a file that may be absent.`,
        `!include ${inc.path}：服务器上没有这个名字的文件，doveconf 会拒绝整个文件（"No matches"）。Debian 的 Dovecot 有 /etc/dovecot/dovecot.conf、conf.d/*.conf 以及旁边的 *.conf.ext 文件；请写其中的文件（例如 "!include conf.d/*.conf"），或者对可能不存在的文件用 "!include_try"。`,
      ),
    }));
}
