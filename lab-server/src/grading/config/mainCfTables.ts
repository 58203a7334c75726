/**
 * Parameters whose value is a list of lookup tables (virtual_mailbox_maps, header_checks, ...):
 * Postfix opens every word of the value as a table written type:name, so a "# note" after the
 * value is two more "tables", and each daemon that opens the list stops ("fatal: open
 * dictionary: expecting "type:name" form instead of "#""; a real smtpd, asked differentially).
 * With a type this Postfix lacks, every lookup fails ("unsupported dictionary type"; 451 4.3.0).
 */
import { error, text, type FeedbackLine } from '../feedback.js';
import { splitOutsideBraces } from './accessTable.js';
import type { MainCf } from './mainCf.js';
import { references } from './mainCfReferences.js';

/** The table types of Debian's Postfix 3.7 package (postconf -m); pcre:, lmdb:, mysql: ... are packages of their own. */
const TABLE_TYPES = new Set(['btree', 'cidr', 'environ', 'fail', 'hash', 'inline', 'internal', 'memcache', 'nis', 'pipemap', 'proxy', 'randmap', 'regexp', 'socketmap', 'static', 'tcp', 'texthash', 'unionmap', 'unix']);
const ADD_ONS: Record<string, string> = { pcre: 'postfix-pcre', lmdb: 'postfix-lmdb', mysql: 'postfix-mysql', pgsql: 'postfix-pgsql', ldap: 'postfix-ldap', sqlite: 'postfix-sqlite', cdb: 'postfix-cdb' };

/**
 * Postfix 3.7's parameters that are lists of tables and nothing else (postconf -d, the names
 * ending in _maps or _checks); proxy_read_maps and proxy_write_maps also hold $names of lists
 * of domains and networks, and are left out.
 */
const TABLE_LISTS = new Set(
  [
    'address_verify_sender_dependent_default_transport_maps address_verify_sender_dependent_relayhost_maps address_verify_transport_maps alias_maps',
    'body_checks canonical_maps fallback_transport_maps header_checks lmtp_body_checks lmtp_discard_lhlo_keyword_address_maps lmtp_generic_maps lmtp_header_checks',
    'lmtp_mime_header_checks lmtp_nested_header_checks lmtp_pix_workaround_maps lmtp_sasl_password_maps lmtp_tls_policy_maps local_login_sender_maps',
    'local_recipient_maps mailbox_command_maps mailbox_transport_maps milter_header_checks mime_header_checks nested_header_checks',
    'postscreen_discard_ehlo_keyword_address_maps postscreen_reject_footer_maps rbl_reply_maps recipient_bcc_maps recipient_canonical_maps relay_recipient_maps',
    'relocated_maps sender_bcc_maps sender_canonical_maps sender_dependent_default_transport_maps sender_dependent_relayhost_maps smtp_body_checks',
    'smtp_discard_ehlo_keyword_address_maps smtp_generic_maps smtp_header_checks smtp_mime_header_checks smtp_nested_header_checks smtp_pix_workaround_maps',
    'smtp_sasl_password_maps smtp_tls_policy_maps smtpd_discard_ehlo_keyword_address_maps smtpd_milter_maps smtpd_reject_footer_maps smtpd_sender_login_maps',
    'tls_server_sni_maps tlsproxy_client_policy_maps transport_maps virtual_alias_maps virtual_gid_maps virtual_mailbox_maps virtual_maps virtual_uid_maps',
  ].flatMap((l) => l.split(' ')),
);

/** Why Postfix cannot open `table`, in the words of its fatal error; undefined when it can. */
export function unopenable(table: string): { en: string; zh: string } | undefined {
  const colon = table.indexOf(':');
  if (colon <= 0 || colon === table.length - 1) {
    return { en: `"${table}" is not written type:name, and the Postfix daemons that open the list stop with "fatal: open dictionary: expecting "type:name" form instead of "${table}""`, zh: `"${table}" 不是 类型:名字 的形式，打开这个列表的 Postfix 进程会以 "fatal: open dictionary: expecting "type:name" form instead of "${table}"" 退出` };
  }
  const type = table.slice(0, colon);
  if (TABLE_TYPES.has(type)) return undefined;
  const lower = type.toLowerCase();
  const pkg = ADD_ONS[lower];
  const why = TABLE_TYPES.has(lower) ? ` (types are lower case: ${lower})` : pkg ? ` (the ${pkg} package is not installed)` : '';
  const whyZh = TABLE_TYPES.has(lower) ? `（类型要小写：${lower}）` : pkg ? `（没有安装 ${pkg} 软件包）` : '';
  return { en: `this Postfix has no table type "${type}"${why}: every lookup in the list fails ("error: unsupported dictionary type: ${type}"), and mail that needs it waits (smtpd answers "451 4.3.0 Temporary lookup failure")`, zh: `这个 Postfix 没有 "${type}" 这种表类型${whyZh}：在这个列表里的每次查找都会失败（"error: unsupported dictionary type: ${type}"），需要它的邮件只能等待（smtpd 回答 "451 4.3.0 Temporary lookup failure"）` };
}

/** A value's words as written: split at commas and spaces outside {} and outside each $name reference. */
function rawWords(value: string): string[] {
  const words: string[] = [];
  let word = '';
  let depth = 0;
  let at = 0;
  for (const r of [...references(value), { start: value.length, end: value.length }]) {
    for (const c of value.slice(at, r.start)) {
      if (c === '{') depth++;
      if (c === '}') depth = Math.max(0, depth - 1);
      if (depth === 0 && (c === ',' || /\s/.test(c))) {
        if (word) words.push(word);
        word = '';
      } else word += c;
    }
    word += value.slice(r.start, r.end);
    at = r.end;
  }
  if (word) words.push(word);
  return words;
}

/** The table lists in `cf` (with `only`, those of these names) holding a word Postfix cannot open as a table. */
export function badTableLists(cf: MainCf, only?: ReadonlySet<string>): FeedbackLine[] {
  const lines: FeedbackLine[] = [];
  const names = new Set(cf.entries.map((e) => e.name).filter((n) => TABLE_LISTS.has(n) && (only === undefined || only.has(n))));
  for (const name of names) {
    const value = cf.expand(name);
    // A word with a $name the grader cannot expand is left unjudged: Postfix may know the name.
    const tables = rawWords(cf.raw(name))
      .filter((w) => cf.expandable(w))
      .flatMap((w) => splitOutsideBraces(cf.expandText(w, 0, new Set([name]))));
    const bad = tables.find((t) => unopenable(t) !== undefined);
    if (bad === undefined) continue;
    const why = unopenable(bad)!;
    const comment = /(^|\s)#/.test(value);
    const good = tables.filter((t) => unopenable(t) === undefined);
    lines.push(
      error(
        'postfix.bad-table',
        text(`${name} = ${value}: Postfix reads every word of this value as a lookup table${comment ? ' (a "# comment" after a value is part of it)' : ''}; ${why.en}. Mail stops where the list is needed.`, `${name} = ${value}：Postfix 把这个值里的每个词都当作一张查找表${comment ? '（值后面的 "# 注释" 也是值的一部分）' : ''}；${why.zh}。用到这个列表的地方，邮件就停了。`),
        text(`Write only tables, each as type:name with a type "postconf -m" lists${good.length ? `, e.g. "${name} = ${good.join(', ')}"` : ' (e.g. hash:/etc/postfix/name)'}${comment ? '; put comments on their own line' : ''}.`, `只写查找表，每张写成 类型:名字，类型要是 "postconf -m" 列出的${good.length ? `，例如 "${name} = ${good.join(', ')}"` : '（例如 hash:/etc/postfix/name）'}${comment ? '；注释单独成行' : ''}。`),
      ),
    );
  }
  return lines;
}

/** A path as Postfix opens it: "//" is "/", and a trailing "/" does not count. */
export function normPath(path: string): string {
  return path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

/** A table's type and file, read through proxymap or not ("proxy:hash:/etc//x" is hash and /etc/x). */
export function tableParts(table: string): { type: string; path: string } {
  const bare = table.replace(/^proxy:/, '');
  const colon = bare.indexOf(':');
  return colon < 0 ? { type: '', path: normPath(bare) } : { type: bare.slice(0, colon), path: normPath(bare.slice(colon + 1)) };
}

/**
 * Whether a table as written is the one wanted ("hash:/etc/postfix/x"): read through proxymap
 * (proxy:hash:...), with the path spelt another way (//, a trailing /), or the same source file
 * read as text (texthash:, which needs no postmap; a real smtpd accepts each).
 */
export function sameTable(written: string, wanted: string): 'same' | 'text' | undefined {
  const have = tableParts(written);
  const want = tableParts(wanted);
  if (have.path !== want.path) return undefined;
  if (have.type === want.type) return 'same';
  return have.type === 'texthash' ? 'text' : undefined;
}
