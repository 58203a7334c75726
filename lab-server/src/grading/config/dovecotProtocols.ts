/**
 * Dovecot 2.3's `protocols`, read as doveconf reads it (asked of doveconf 2.3.19): the names
 * are separated by spaces only ("imap, pop3" and "imap<TAB>pop3" are unknown protocols, and
 * doveconf refuses the whole file), a word `$protocols` is the value set before (not inside
 * quotes, not "$protocols,"; empty before any protocols line), and "none" stands alone.
 */
import { text, type Text } from '../feedback.js';

/** A setting as dovecotConf.ts reads it (named here: dovecotConf.ts asks this module). */
interface DovecotSetting {
  key: string;
  value: string;
  line: number;
  path: string[];
  quoted?: boolean;
}

/** What Debian's dovecot-core with imapd, pop3d and lmtpd serves (submission is in the core). */
const KNOWN = new Set(['imap', 'pop3', 'lmtp', 'submission']);
const DEFAULT = 'imap pop3 lmtp';

/**
 * One protocols line's value: the word $protocols is `before` (not inside quotes, not "$protocols,").
 * Each word once: doveconf takes "imap imap" as imap, and a file of 30 lines "protocols = $protocols
 * $protocols" would otherwise double the value 30 times (seconds of the event loop at 22 lines, then
 * gigabytes), where only which words are there matters.
 */
function protocolsLine(s: Pick<DovecotSetting, 'value' | 'quoted'>, before: string): string {
  return s.quoted ? s.value : [...new Set(s.value.split(' ').flatMap((word) => (word === '$protocols' ? before.split(' ') : [word])))].join(' ');
}

/**
 * The value of `protocols` each section sets, by its path ('' the top level, "protocol imap",
 * "remote 10.0.0.0/8\nprotocol imap"), $protocols read in file order as doveconf reads it: a
 * filter's $protocols is its own value so far, or, before it has one, its parent's at that line
 * (asked of doveconf 2.3.19). Nothing written stays unwritten here: the service checks, as
 * doveconf alone, then check no protocol's services (dovecotProtocols' DEFAULT is what Debian's
 * packages add, for the graders that ask what is served).
 */
export function protocolsByPath(settings: ReadonlyArray<{ key: string; value: string; quoted?: boolean; path: readonly string[] }>): Map<string, string> {
  const own = new Map<string, string>();
  const current = (path: readonly string[]): string => {
    for (let depth = path.length; depth >= 0; depth--) {
      const value = own.get(path.slice(0, depth).join('\n'));
      if (value !== undefined) return value;
    }
    return '';
  };
  for (const s of settings) if (s.key === 'protocols') own.set(s.path.join('\n'), protocolsLine(s, current(s.path)));
  return own;
}

/** The protocols Dovecot serves, or why doveconf refuses the value. */
export function dovecotProtocols(settings: DovecotSetting[]): { protocols: string[]; problem?: { line: number; message: Text } } {
  // Before any protocols line $protocols is empty; with none at all the machine's packages serve theirs.
  let value = '';
  let last: DovecotSetting | undefined;
  for (const s of settings) {
    if (s.key !== 'protocols' || s.path.length > 0) continue;
    value = protocolsLine(s, value);
    last = s;
  }
  if (last === undefined) value = DEFAULT;
  const words = value.split(' ').filter(Boolean);
  if (value.trim() === 'none' || words.length === 0) return { protocols: [] };
  const unknown = words.find((w) => !KNOWN.has(w));
  if (unknown === undefined || last === undefined) return { protocols: words };
  return { protocols: words.filter((w) => KNOWN.has(w)), problem: unknownProtocol(last, unknown) };
}

/** doveconf's refusal of a protocols line naming a protocol Dovecot lacks. */
function unknownProtocol(s: DovecotSetting, unknown: string): { line: number; message: Text } {
  const why = /[,;\t]/.test(unknown) ? ' (protocols are separated by spaces only, no commas or tabs)' : unknown.startsWith('$') ? ' ($protocols is the earlier value only as a word of its own, outside quotes)' : '';
  const whyZh = /[,;\t]/.test(unknown) ? '（协议之间只能用空格分隔，不能用逗号或制表符）' : unknown.startsWith('$') ? '（$protocols 只有作为单独的词、且不在引号里时，才代表之前的值）' : '';
  return {
    line: s.line,
    message: text(
      `protocols = ${s.value}: Dovecot has no protocol "${unknown}"${why}, and doveconf refuses the whole file ("protocols: Unknown protocol: ${unknown}"). Write the protocols separated by spaces, e.g. "protocols = imap pop3 lmtp".`,
      `protocols = ${s.value}：Dovecot 没有 "${unknown}" 这个协议${whyZh}，doveconf 会拒绝整个文件（"protocols: Unknown protocol: ${unknown}"）。协议之间用空格分隔，例如 "protocols = imap pop3 lmtp"。`,
    ),
  };
}

/** The same refusal for a protocols line inside a filter ("protocol imap { protocols = foo }"), the first one doveconf meets. */
export function filterProtocolsProblem(settings: DovecotSetting[]): { line: number; message: Text } | undefined {
  const byPath = protocolsByPath(settings);
  for (const s of settings) {
    if (s.key !== 'protocols' || s.path.length === 0) continue;
    const value = byPath.get(s.path.join('\n')) ?? '';
    const unknown = value.trim() === 'none' ? undefined : value.split(' ').filter(Boolean).find((w) => !KNOWN.has(w));
    if (unknown !== undefined) return unknownProtocol({ ...s, value: s.value }, unknown);
  }
  return undefined;
}
