/**
 * A parser for dovecot.conf, 2.3 and 2.4 syntax: `key = value`, `#` comments outside quotes,
 * quoted values with `\"`, a trailing `\` joining lines, nested sections (`name {`,
 * `name arg {`, `}`), `!include` / `!include_try` and `key = <file` (both noted, not read; an
 * `!include` naming no file of the server is refused, dovecotIncludes.ts), "key = $key more" as
 * doveconf expands it (dovecotVariables.ts).
 * Never throws.
 */
import { text, type Text } from '../feedback.js';
import { DOVECOT_FILTERS, isDovecotBoolean } from './dovecotBooleans.js';
import { dovecotSettingsChecks } from './dovecotChecks.js';
import { fileValueProblem, MAX_INCLUDED_FILES, placeOf, readInclude, toldWhere, type IncludedFile, type IncludedPlace } from './dovecotIncludes.js';
import { dovecotProtocols, filterProtocolsProblem } from './dovecotProtocols.js';
import { dovecotValueKind } from './dovecotSettingKinds.js';
import { dovecotUnknownNames } from './dovecotUnknownNames.js';
import { dovecotValueProblem } from './dovecotValues.js';
import { expandOwnName } from './dovecotVariables.js';

export interface DovecotSetting {
  key: string;
  value: string;
  line: number;
  /** Enclosing sections, outermost first, e.g. ["userdb static", "fields"]. */
  path: string[];
  /** `key = <file`: the value is the file's name, read by Dovecot at start-up. */
  fromFile?: boolean;
  /** Written in quotes: no $name in it is expanded. */
  quoted?: boolean;
  /** The outermost section it stands in: two "passdb {" without a name are two passdbs. */
  outermost?: DovecotSection;
  /** Read from a file an `!include` names (`line` is then the `!include`'s). */
  included?: IncludedPlace;
}

export interface DovecotSection {
  name: string;
  arg?: string;
  line: number;
  path: string[];
  included?: IncludedPlace;
}

export interface DovecotConf {
  settings: DovecotSetting[];
  sections: DovecotSection[];
  includes: Array<{ path: string; optional: boolean; line: number }>;
  /** `included`: the problem is in a file an `!include` on `line` reads (its message names it). */
  problems: Array<{ line: number; message: Text; included?: IncludedPlace }>;
  /** '2.4' when the first setting is dovecot_config_version = 2.4.x, else '2.3'. */
  version: '2.3' | '2.4';
}


/** Dovecot 2.3's reading of a boolean: yes, y or 1 and no, in any case; "n", "0", "true" refused (doveconf 2.3.19). */
function booleanValue(value: string): 'yes' | 'no' | undefined {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'y' || v === '1') return 'yes';
  if (v === 'no') return 'no';
  return undefined;
}

/**
 * Values doveconf refuses the whole file for, wherever they stand (a later line setting the same
 * name does not save it): an enum's word not as written, a number, size, time, mode or port it
 * cannot read (dovecotValues.ts). A 2.4 file is judged only where 2.4 reads alike (the global ssl,
 * a listener's port): 2.4 renamed and retyped many settings, and no 2.4 doveconf was asked.
 */
function invalidValue(s: DovecotSetting, version24: boolean): Text | undefined {
  const kind = s.fromFile ? undefined : dovecotValueKind(s.key, s.path);
  if (!kind || (version24 && !((s.key === 'ssl' && s.path.length === 0) || s.key === 'port'))) return undefined;
  return dovecotValueProblem(s.key, s.value, kind);
}

/** Removes a comment and reads a quoted value; returns undefined when a quote is left open. */
function stripComment(line: string): { text: string; openQuote: boolean } {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && i + 1 < line.length) {
        out += c + line[i + 1];
        i++;
        continue;
      }
      if (c === quote) quote = undefined;
      out += c;
      continue;
    }
    if (c === '#') break;
    if (c === '"' || c === "'") quote = c;
    out += c;
  }
  return { text: out.trim(), openQuote: quote !== undefined };
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return v;
}

/**
 * Dovecot 2.3's passdb and userdb need "driver = ..." inside: the word after "userdb" is only a
 * name, and doveconf refuses the whole file without one ("userdb is missing driver").
 */
function undriven(sections: DovecotSection[]): Array<{ line: number; message: Text; included?: IncludedPlace }> {
  return sections
    .filter((x) => x.name === 'passdb' || x.name === 'userdb')
    .map((x) => ({
      line: x.line,
      ...placeOf(x),
      message: text(
        `This ${x.name} has no "driver = ..." line, and doveconf refuses the whole file ("${x.name} is missing driver")${x.arg ? `: in Dovecot 2.3 "${x.arg}" after "${x.name}" is only a name, not the driver` : ''}. Write the driver inside the section, e.g. "driver = ${x.name === 'userdb' ? 'static' : 'passwd-file'}".`,
        `这个 ${x.name} 里没有 "driver = ..." 这一行，doveconf 会拒绝整个文件（"${x.name} is missing driver"）${x.arg ? `：在 Dovecot 2.3 里，"${x.name}" 后面的 "${x.arg}" 只是一个名字，不是 driver` : ''}。请在段落里写出 driver，例如 "driver = ${x.name === 'userdb' ? 'static' : 'passwd-file'}"。`,
      ),
    }));
}

/**
 * Most protocol, local, remote and local_name sections whose values doveconf's checks are judged
 * for: each filter sees those of every filter matching it, so the work grows with their square
 * (840 pairs in a 64 KB answer held the event loop 0.3 s, review 14). A Dovecot configuration
 * seldom has ten.
 */
export const MAX_FILTERS = 100;

function tooManyFilters(filters: readonly DovecotSection[]): { line: number; message: Text } {
  return {
    line: filters[MAX_FILTERS]!.line,
    message: text(
      `This file has ${filters.length} protocol, local, remote and local_name sections; the lab judges at most ${MAX_FILTERS} (a Dovecot configuration seldom has ten), so it cannot say whether doveconf takes it. Keep the sections the exercise asks for, and check the file with "doveconf -n".`,
      `这个文件有 ${filters.length} 个 protocol、local、remote 和 local_name 段落；实验室最多判断 ${MAX_FILTERS} 个（一份 Dovecot 配置很少超过十个），所以无法判断 doveconf 是否接受它。只保留题目需要的段落，并用 "doveconf -n" 检查文件。`,
    ),
  };
}

/** Deepest nesting of sections the parser reads (Dovecot's own go four or five deep). */
const MAX_SECTION_DEPTH = 32;

/**
 * Parses dovecot.conf text, the server's file `root`. Never throws. The files its `!include`
 * lines name are read in their place, as doveconf reads them; what they hold counts at the
 * `!include` line.
 */
export function parseDovecotConf(source: string, root = '/etc/dovecot/dovecot.conf'): DovecotConf {
  const conf: DovecotConf = { settings: [], sections: [], includes: [], problems: [], version: '2.3' };
  try {
    // Each line with the answer's line it stands for, and the included file it comes from.
    const physical: Array<{ text: string; line: number; file?: IncludedFile; at?: number }> = source.split('\n').map((l, i) => ({ text: l.replace(/\r$/, ''), line: i + 1 }));
    let included = 0;
    const stack: DovecotSection[] = [];
    // passdb and userdb sections with a "driver = ..." of their own (2.3 has no other way to say it).
    const driven = new Set<DovecotSection>();
    for (let i = 0; i < physical.length; i++) {
      const { line: number, file, at } = physical[i]!;
      // A line of an included file is told by its file and line too, as doveconf tells it.
      const place = file ? { included: { file: file.path, line: at! } } : {};
      const problem = (message: Text): void => void conf.problems.push({ line: number, message, ...place });
      let { text: line, openQuote } = stripComment(physical[i]!.text);
      // A trailing backslash joins the next line with one space (Dovecot "long lines"). As in
      // config_parse_file, a blank or comment line, or the end of the file, drops the lines
      // joined so far (doveconf 2.3.19 takes "ssl = foo \" as the last line, and reads "ssl = \", "#", "no" as "no" alone).
      let dropped = false;
      while (line.endsWith('\\')) {
        i++;
        if (i >= physical.length || /^[ \t]*(#|$)/.test(physical[i]!.text)) {
          dropped = true;
          break;
        }
        const next = stripComment(physical[i]!.text);
        const before = line.slice(0, -1).trimEnd();
        line = before === '' ? next.text : `${before} ${next.text}`;
        openQuote = next.openQuote;
      }
      if (line === '' || dropped) continue;
      if (openQuote) {
        problem(text('A quoted value is not closed: add the closing quote.', '引号没有闭合：补上结尾的引号。'));
        continue;
      }
      const path = stack.map((s) => (s.arg ? `${s.name} ${s.arg}` : s.name));
      let m: RegExpExecArray | null;
      if (line === '}') {
        if (stack.length === 0) problem(text('"}" without an open section: remove it.', '多了一个 "}"，没有对应的段落：删掉它。'));
        else stack.pop();
      } else if ((m = /^!(include|include_try)(?:\s+(.*))?$/.exec(line))) {
        // Dovecot takes the path as written: in quotes it names no file ("No matches").
        if (!file) conf.includes.push({ path: m[2] ?? '', optional: m[1] === 'include_try', line: number });
        const read = readInclude(m[2] ?? '', m[1] === 'include_try', file?.path ?? root, file?.open ?? [root], root);
        if ('problem' in read) problem(read.problem);
        else if ((included += read.files.length) > MAX_INCLUDED_FILES) {
          problem(text(`The !include lines read more than ${MAX_INCLUDED_FILES} files here; Debian's own configuration reads 16. The lab stops reading includes: include conf.d/*.conf once.`, `这里的 !include 读了超过 ${MAX_INCLUDED_FILES} 个文件；Debian 自己的配置只读 16 个。实验室不再读取包含的文件：conf.d/*.conf 只包含一次就够了。`));
          included = -Infinity;
        } else if (included > 0) physical.splice(i + 1, 0, ...read.files.flatMap((f) => f.lines.map((l) => ({ text: l.text, line: number, file: f, at: l.line }))));
      } else if ((m = /^([A-Za-z0-9_@./-]+)\s*=\s*(.*)$/.exec(line))) {
        const raw = m[2]!.trim();
        const setting: DovecotSetting = { key: m[1]!, value: unquote(raw), line: number, path, ...(stack.length ? { outermost: stack[0]! } : {}), ...place };
        if (/^["']/.test(raw) && setting.value !== raw) setting.quoted = true;
        if (raw.startsWith('<')) {
          setting.fromFile = true;
          setting.value = raw.slice(1).trim();
          const unread = fileValueProblem(setting.key, setting.value, file?.path ?? root);
          if (unread) {
            problem(unread);
            continue;
          }
        } else if (!/^["']/.test(raw) && raw.includes('$')) {
          // A value that begins with a quote is never expanded, even with more after the closing quote (doveconf -x 2.3.19).
          const expanded = expandOwnName(setting, conf.settings, conf.settings[0]?.key === 'dovecot_config_version' && /^2\.4/.test(conf.settings[0].value));
          if ('problem' in expanded) {
            problem(expanded.problem);
            continue;
          }
          setting.value = expanded.value;
        }
        if (raw.includes('{') && raw.endsWith('}') && !raw.startsWith('"') && /\{\s*\w+\s*=/.test(raw)) {
          problem(text('A section must be written over several lines: "name {", then the settings, then "}".', '段落必须分多行写："name {"，然后是各项设置，最后是 "}"。'));
          continue;
        }
        // Setting names are lower case, and doveconf refuses the whole file for "SSL = no"
        // ("Unknown setting: SSL"); only plugin and *fields sections take names of one's own.
        if (/[A-Z]/.test(setting.key) && !path.some((p) => /^plugin\b|fields\b/.test(p))) {
          problem(text(`"${setting.key}" is not a setting: Dovecot's names are lower case ("${setting.key.toLowerCase()}"), and doveconf refuses the file ("Unknown setting").`, `"${setting.key}" 不是一个设置：Dovecot 的设置名都是小写（"${setting.key.toLowerCase()}"），doveconf 会拒绝整个文件（"Unknown setting"）。`));
          continue;
        }
        const first = conf.settings[0];
        const invalid = invalidValue(setting, first?.key === 'dovecot_config_version' && /^2\.4/.test(first.value));
        if (invalid) {
          problem(invalid);
          continue;
        }
        if (isDovecotBoolean(setting.key, path)) {
          const yesNo = booleanValue(setting.value);
          if (yesNo === undefined) {
            problem(text(`${setting.key} = ${setting.value}: doveconf refuses the file ("Invalid boolean value"); write yes or no.`, `${setting.key} = ${setting.value}：doveconf 会拒绝整个文件（"Invalid boolean value"）；请写 yes 或 no。`));
            continue;
          }
          setting.value = yesNo;
        }
        conf.settings.push(setting);
        if (setting.key === 'driver' && setting.value !== '' && stack.length) driven.add(stack[stack.length - 1]!);
      } else if ((m = /^([A-Za-z0-9_@./-]+)(?:\s+("[^"]*"|[^\s{]+))?\s*\{$/.exec(line))) {
        if (stack.length >= MAX_SECTION_DEPTH) {
          // Every setting keeps its whole path: thousands of nested sections would cost the lab gigabytes.
          problem(text(`Sections are nested more than ${MAX_SECTION_DEPTH} deep here; no Dovecot configuration needs that. The rest of the file is not read.`, `这里的段落嵌套超过了 ${MAX_SECTION_DEPTH} 层；没有哪个 Dovecot 配置需要这样。文件的其余部分不再读取。`));
          stack.length = 0;
          break;
        }
        const section: DovecotSection = { name: m[1]!, line: number, path, ...place };
        if (m[2]) section.arg = unquote(m[2]);
        conf.sections.push(section);
        stack.push(section);
      } else if (/\{\s*\S/.test(line)) {
        problem(text('A section must be written over several lines: "name {", then the settings, then "}".', '段落必须分多行写："name {"，然后是各项设置，最后是 "}"。'));
      } else {
        problem(text(`"${line.slice(0, 60)}" is not a setting ("key = value") or a section ("name {"). doveconf reports "Expecting '{'" (asked of doveconf 2.3.19: a word alone, or words before "{" or "=").`, `"${line.slice(0, 60)}" 既不是设置（"key = value"）也不是段落（"name {"）。doveconf 会报 "Expecting '{'"。`));
      }
    }
    for (const open of stack) {
      conf.problems.push({ line: open.line, ...(open.included ? { included: open.included } : {}), message: text(`The section "${open.name}${open.arg ? ` ${open.arg}` : ''} {" is never closed: add "}".`, `段落 "${open.name}${open.arg ? ` ${open.arg}` : ''} {" 没有闭合：补上 "}"。`) });
    }
    const first = conf.settings[0];
    if (first?.key === 'dovecot_config_version' && /^2\.4/.test(first.value)) conf.version = '2.4';
    else if (conf.settings.some((s) => s.key === 'dovecot_config_version')) {
      const v = conf.settings.find((s) => s.key === 'dovecot_config_version')!;
      if (/^2\.4/.test(v.value)) {
        conf.version = '2.4';
        conf.problems.push({ line: v.line, message: text('dovecot_config_version must be the very first setting in dovecot.conf.', 'dovecot_config_version 必须是 dovecot.conf 中的第一个设置。') });
      }
    }
    if (conf.version === '2.3') {
      conf.problems.push(...dovecotUnknownNames(conf.settings, conf.sections), ...undriven(conf.sections.filter((x) => !driven.has(x))));
      const filters = conf.sections.filter((x) => DOVECOT_FILTERS.has(x.name));
      conf.problems.push(...(filters.length > MAX_FILTERS ? [tooManyFilters(filters)] : dovecotSettingsChecks(conf.settings, conf.sections)));
    }
    // 2.4 reads protocols as a list of its own kind; only 2.3's doveconf could be asked here.
    const protocols = conf.version === '2.3' ? (dovecotProtocols(conf.settings).problem ?? filterProtocolsProblem(conf.settings)) : undefined;
    if (protocols) conf.problems.push(protocols);
    conf.problems = conf.problems.map(toldWhere);
  } catch (err) {
    conf.problems.push({ line: 0, message: text(`dovecot.conf could not be read (${(err as Error).message}).`, `无法读取 dovecot.conf（${(err as Error).message}）。`) });
  }
  return conf;
}

/** The last top-level (or any-level, with `anywhere`) value of a key. */
export function setting(conf: DovecotConf, key: string, inPath?: (path: string[]) => boolean): DovecotSetting | undefined {
  const found = conf.settings.filter((s) => s.key === key && (inPath ? inPath(s.path) : s.path.length === 0));
  return found[found.length - 1];
}
