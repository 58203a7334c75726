/**
 * Names Dovecot 2.3 does not know, where they stand: doveconf refuses the whole file for the first
 * ("Unknown setting: mail_locaton", "Unknown setting: service { inet_listener { prot"), and Dovecot
 * does not start. Each is told with doveconf's words and what to write instead: where a name
 * belongs when it is known elsewhere, the 2.3 form of a 2.4 name, or the nearest known name.
 * Only the sections doveconf reads alike are judged: inside plugin {}, dict {}, the old auth {}
 * and whatever stands inside an unknown section, no name is.
 */
import { MAX_FEEDBACK_LINES, text, type Text } from '../feedback.js';
import { closestName } from './closestName.js';
import { DOVECOT_FILTERS } from './dovecotBooleans.js';
import { placeOf, type IncludedPlace } from './dovecotIncludes.js';
import { DOVECOT_FREE_SECTIONS, DOVECOT_SETTING_NAMES, DOVECOT_SUBSECTIONS, isKnownDovecotName } from './dovecotNames.js';

/** Where a line stands: the kind of its section ('' for the top level and the filters) and doveconf's path of it ("service { inet_listener"). */
interface Scope {
  kind: string;
  quote: string[];
}

/** The scope of `path`, or undefined where doveconf's reading is not judged (a free, old or unknown section, a filter inside a section). */
function scopeOf(path: readonly string[]): Scope | undefined {
  let kind = '';
  const quote: string[] = [];
  for (const entry of path) {
    const name = entry.split(/\s/, 1)[0]!;
    if (DOVECOT_FILTERS.has(name)) {
      if (kind !== '') return undefined;
      continue;
    }
    if (DOVECOT_FREE_SECTIONS.has(name) || DOVECOT_SUBSECTIONS.get(kind)?.has(name) !== true) return undefined;
    kind = name;
    quote.push(name);
  }
  return { kind, quote };
}

/** Where a kind of section stands, for "move it there". */
const PLACES: Record<string, [string, string]> = {
  '': ['at the top level, outside any section (or in a protocol { } filter)', '顶层，不在任何段落里（或者在 protocol { } 过滤段里）'],
  namespace: ['inside namespace { }', 'namespace { } 里'],
  mailbox: ['inside a mailbox { } of a namespace', 'namespace 的 mailbox { } 里'],
  passdb: ['inside passdb { }', 'passdb { } 里'],
  userdb: ['inside userdb { }', 'userdb { } 里'],
  service: ['inside service <name> { }', 'service <名字> { } 里'],
  inet_listener: ['inside an inet_listener { } of a service', 'service 的 inet_listener { } 里'],
  unix_listener: ['inside a unix_listener { } of a service', 'service 的 unix_listener { } 里'],
  fifo_listener: ['inside a fifo_listener { } of a service', 'service 的 fifo_listener { } 里'],
  metric: ['inside metric <name> { }', 'metric <名字> { } 里'],
  event_exporter: ['inside event_exporter <name> { }', 'event_exporter <名字> { } 里'],
};

/** Dovecot 2.4's names a learner brings into a 2.3 file, with what 2.3 writes instead. */
const NAMES_24: Record<string, [string, string]> = {
  mail_driver: ['mail_location (e.g. "mail_location = maildir:~/Maildir")', 'mail_location（例如 "mail_location = maildir:~/Maildir"）'],
  mail_path: ['mail_location (e.g. "mail_location = maildir:~/Maildir")', 'mail_location（例如 "mail_location = maildir:~/Maildir"）'],
  mail_inbox_path: ['INBOX= in mail_location', 'mail_location 里的 INBOX='],
  mail_index_path: ['INDEX= in mail_location', 'mail_location 里的 INDEX='],
  mailbox_list_layout: ['LAYOUT= in mail_location', 'mail_location 里的 LAYOUT='],
  auth_allow_cleartext: ['disable_plaintext_auth (its opposite: "no" allows it)', 'disable_plaintext_auth（意思相反："no" 才是允许）'],
  ssl_server_cert_file: ['"ssl_cert = <file"', '"ssl_cert = <文件"'],
  ssl_server_key_file: ['"ssl_key = <file"', '"ssl_key = <文件"'],
  ssl_server_ca_file: ['"ssl_ca = <file"', '"ssl_ca = <文件"'],
  dovecot_storage_version: ['nothing: leave the line out', '什么都不写：删掉这一行'],
};

/**
 * Settings of the plugins Debian's Dovecot 2.3 ships, by the start of their names (longest
 * first), with the plugin's name: doveconf knows none of them outside plugin { }, the commonest
 * "Unknown setting" a learner meets with quota or Sieve.
 */
const PLUGIN_SETTINGS: Array<[string, string]> = [
  ['quota_clone', 'quota_clone'], ['quota', 'quota'], ['imapsieve', 'imap_sieve'], ['sieve', 'sieve'], ['mail_crypt', 'mail_crypt'],
  ['fts', 'fts'], ['acl', 'acl'], ['zlib_save', 'zlib'], ['mail_log', 'mail_log'], ['push_notification_driver', 'push_notification'],
  ['lazy_expunge', 'lazy_expunge'], ['last_login', 'last_login'], ['trash', 'trash'], ['welcome', 'welcome'], ['notify_status', 'notify_status'],
  ['mail_replica', 'replication'], ['mailbox_alias', 'mailbox_alias'], ['pop3_migration', 'pop3_migration'], ['listescape_char', 'listescape'],
  ['charset_aliases', 'charset_alias'], ['imap_compress_deflate_level', 'imap_zlib'], ['virtual_max_open_mailboxes', 'virtual'], ['apparmor_hat', 'apparmor'],
];

/** The plugin whose setting `key` is, if it is one's. */
function pluginOf(key: string): string | undefined {
  return PLUGIN_SETTINGS.find(([stem]) => key === stem || key.startsWith(`${stem}_`) || (/\d$/.test(key) && key.replace(/\d+$/, '') === stem))?.[1];
}

/** The edits a typo of `name` may hold: one in a short name ("foo" is no "ssl"), up to three in a long one. */
const typos = (name: string): number => Math.min(3, Math.max(1, Math.floor(name.length / 2)));

/** What to write instead of the unknown setting `key` in a section of `kind`; `guess` whether a "did you mean" may be weighed. */
function settingHint(kind: string, key: string, guess: boolean): Text {
  const home = Object.keys(PLACES).find((other) => other !== kind && DOVECOT_SETTING_NAMES.get(other)?.has(key));
  if (home !== undefined) return text(`${key} belongs ${PLACES[home]![0]}: move the line there.`, `${key} 应该写在${PLACES[home]![1]}：把这一行移过去。`);
  const v24 = kind === '' && Object.hasOwn(NAMES_24, key) ? NAMES_24[key] : undefined;
  if (v24) return text(`${key} is Dovecot 2.4's name: write 2.3's ${v24[0]}, or start the file with "dovecot_config_version = 2.4.0" to write 2.4 throughout.`, `${key} 是 Dovecot 2.4 的名字：请写 2.3 的 ${v24[1]}，或者在文件开头写 "dovecot_config_version = 2.4.0"，整个文件都用 2.4 的写法。`);
  const plugin = pluginOf(key);
  if (plugin) return text(`${key} is a setting of the ${plugin} plugin, which Dovecot reads only inside plugin { }: write it there ("plugin {", "  ${key} = ...", "}"), and name ${plugin} in mail_plugins.`, `${key} 是 ${plugin} 插件的设置，Dovecot 只在 plugin { } 里读它：把它写进去（"plugin {"、"  ${key} = ..."、"}"），并在 mail_plugins 里写上 ${plugin}。`);
  const near = guess ? closestName(key, DOVECOT_SETTING_NAMES.get(kind) ?? [], typos(key)) : undefined;
  if (near) return text(`Did you mean ${near}?`, `是不是想写 ${near}？`);
  return text('Check the name in "doveconf -a", which lists every setting, or remove the line.', '用 "doveconf -a"（它列出所有设置）核对这个名字，或者删掉这一行。');
}

/** What to write instead of the unknown section `name` inside a section of `kind`. */
function sectionHint(kind: string, name: string): Text {
  const home = Object.keys(PLACES).find((other) => DOVECOT_SUBSECTIONS.get(other)?.has(name));
  if (home !== undefined) return text(`${name} { } belongs ${PLACES[home]![0]}: move it there.`, `${name} { } 应该写在${PLACES[home]![1]}：把它移过去。`);
  const here = [...(DOVECOT_SUBSECTIONS.get(kind) ?? []), ...DOVECOT_FILTERS];
  const near = closestName(name, here, typos(name));
  if (near) return text(`Did you mean "${near} {"?`, `是不是想写 "${near} {"？`);
  return text(`The sections Dovecot 2.3 takes here are ${here.join(', ')}.`, `Dovecot 2.3 在这里接受的段落是 ${here.join('、')}。`);
}

const inside = (kind: string): [string, string] => (kind === '' ? ['', ''] : [` inside ${kind} { }`, `（在 ${kind} { } 里）`]);

/** Every setting and section name doveconf 2.3 refuses as unknown, with the line it stands on. */
export function dovecotUnknownNames(settings: ReadonlyArray<{ key: string; line: number; path: string[]; included?: IncludedPlace }>, sections: ReadonlyArray<{ name: string; line: number; path: string[]; included?: IncludedPlace }>): Array<{ line: number; message: Text; included?: IncludedPlace }> {
  const problems: Array<{ line: number; message: Text; included?: IncludedPlace }> = [];
  for (const section of sections) {
    // plugin { } holds settings only; doveconf refuses any section in it (at the top level or in a filter).
    const [last, ...outer] = [...section.path].reverse().map((p) => p.split(/\s/, 1)[0]!);
    if (last === 'plugin' && outer.every((name) => DOVECOT_FILTERS.has(name))) {
      problems.push({ line: section.line, ...placeOf(section), message: text(`"${section.name} {" inside plugin { }: plugin { } holds only settings ("name = value"), and doveconf refuses the whole file ("Section not allowed here"). Write the plugin's settings as lines of plugin { }, e.g. "quota_rule = *:storage=1G".`, `plugin { } 里的 "${section.name} {"：plugin { } 只能放设置（"name = value"），doveconf 会拒绝整个文件（"Section not allowed here"）。把插件的设置直接写成 plugin { } 里的行，例如 "quota_rule = *:storage=1G"。`) });
      continue;
    }
    const scope = scopeOf(section.path);
    if (!scope || DOVECOT_FILTERS.has(section.name) || DOVECOT_SUBSECTIONS.get(scope.kind)?.has(section.name)) continue;
    // doveconf takes a setting's own name as an (odd) section, and 2.3 still reads the old auth { }.
    if (isKnownDovecotName(scope.kind, section.name) || (scope.kind === '' && section.name === 'auth')) continue;
    const quote = [...scope.quote, section.name, section.name].join(' { ');
    const [en, zh] = inside(scope.kind);
    const hint = sectionHint(scope.kind, section.name);
    problems.push({ line: section.line, ...placeOf(section), message: text(`Dovecot 2.3 has no section "${section.name}"${en}: doveconf refuses the whole file ("Unknown setting: ${quote}"). ${hint.en}`, `Dovecot 2.3 没有 "${section.name}" 这个段落${zh}：doveconf 会拒绝整个文件（"Unknown setting: ${quote}"）。${hint['zh-CN']}`) });
  }
  for (const s of settings) {
    const scope = scopeOf(s.path);
    if (!scope || isKnownDovecotName(scope.kind, s.key)) continue;
    const quote = [...scope.quote, s.key].join(' { ');
    const [en, zh] = inside(scope.kind);
    // "Did you mean" weighs the name against all 320 top-level ones; past the lines shown, unweighed.
    const hint = settingHint(scope.kind, s.key, problems.length < MAX_FEEDBACK_LINES);
    problems.push({ line: s.line, ...placeOf(s), message: text(`"${s.key}" is not a setting Dovecot 2.3 knows${en}: doveconf refuses the whole file ("Unknown setting: ${quote}"), and Dovecot does not start. ${hint.en}`, `Dovecot 2.3 不认识 "${s.key}" 这个设置${zh}：doveconf 会拒绝整个文件（"Unknown setting: ${quote}"），Dovecot 无法启动。${hint['zh-CN']}`) });
  }
  return problems;
}
