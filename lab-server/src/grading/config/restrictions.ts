/**
 * smtpd's access restrictions, run as smtpd runs them at RCPT TO (postconf(5)): the lists in
 * order, each item in order; a reject ends everything, a permit ends only its own list. Access
 * tables written inline are looked into; a table the grader cannot see stops the evaluation,
 * because it could answer OK for anyone.
 */
import { error, text, warn, type FeedbackLine, type Text } from '../feedback.js';
import { addressKeys, clientKeys, inCidr, lookUp, splitOutsideBraces, visibleTable } from './accessTable.js';
import type { MainCf } from './mainCf.js';

export interface Client {
  ip: string;
  sasl: boolean;
  sender: string;
  recipientDomain: string;
}

export interface Restriction {
  name: string;
  arg?: string;
}

export interface Step {
  list: string;
  index: number;
  name: string;
  arg?: string;
  /** What an access table answered. */
  table?: { key?: string; result?: string };
}

export interface Decision {
  accepted: boolean;
  /** The restriction that refused, or the first permit of each list that decided. */
  by?: Step;
  permits: Step[];
  /** An access table the grader cannot read decided nothing: the outcome is unknown. */
  unseen?: Step;
}

export const RESTRICTION_LISTS = ['smtpd_client_restrictions', 'smtpd_helo_restrictions', 'smtpd_sender_restrictions', 'smtpd_relay_restrictions', 'smtpd_recipient_restrictions'];
/** Restrictions followed by a table or server argument. */
export const TAKES_ARGUMENT = /^(check_(client|reverse_client_hostname|helo|sender|recipient)(_a|_mx|_ns)?_access|check_(ccert|sasl|etrn)_access|check_policy_service|reject_rbl_client|reject_rhsbl_(client|reverse_client|helo|sender|recipient)|permit_dnswl_client|permit_rhswl_client|sleep)$/;
/** Restrictions that cannot change the outcome for the grader's well-behaved test clients. */
const NEUTRAL = new Set([
  'reject_unauth_pipelining', 'reject_non_fqdn_recipient', 'reject_non_fqdn_sender', 'reject_non_fqdn_helo_hostname', 'reject_invalid_helo_hostname',
  'reject_unknown_helo_hostname', 'reject_unknown_sender_domain', 'reject_unknown_recipient_domain', 'reject_unlisted_recipient', 'reject_unlisted_sender',
  'reject_unknown_client_hostname', 'reject_unknown_reverse_client_hostname', 'reject_sender_login_mismatch', 'reject_authenticated_sender_login_mismatch',
  'reject_unauthenticated_sender_login_mismatch', 'reject_known_sender_login_mismatch', 'reject_multi_recipient_bounce', 'reject_plaintext_session',
  'permit_tls_clientcerts', 'permit_tls_all_clientcerts', 'warn_if_reject', 'reject_non_fqdn_hostname', 'reject_invalid_hostname', 'reject_unknown_hostname',
  'reject_rbl_client', 'reject_rhsbl_client', 'reject_rhsbl_sender', 'reject_rhsbl_helo', 'reject_rhsbl_recipient', 'reject_rhsbl_reverse_client',
  'check_policy_service', 'sleep', 'permit_dnswl_client', 'permit_rhswl_client',
]);
/**
 * Every restriction name smtpd 3.7 knows (asked of a real smtpd: any other name gets "unknown
 * smtpd restriction" and 451 4.3.5 for every mail), besides those that take an argument.
 */
export const KNOWN_RESTRICTIONS = new Set([
  ...NEUTRAL, 'permit', 'reject', 'defer', 'defer_if_permit', 'defer_if_reject', 'permit_mynetworks', 'permit_sasl_authenticated', 'reject_unauth_destination',
  'defer_unauth_destination', 'permit_auth_destination', 'reject_unverified_recipient', 'reject_unverified_sender', 'permit_inet_interfaces', 'permit_mx_backup',
  // Old names smtpd still accepts.
  'check_recipient_maps', 'check_relay_domains', 'permit_naked_ip_address', 'reject_maps_rbl', 'reject_rbl', 'reject_unknown_address', 'reject_unknown_client',
]);
export const RELAY_GUARDS = new Set(['reject_unauth_destination', 'defer_unauth_destination', 'reject', 'defer', 'defer_all', 'defer_if_permit']);
const ACCESS = /^check_(client|sender|recipient|helo|reverse_client)_access$/;

/**
 * The access check a bare table stands for in each list (smtpd_check.c): "hash:/etc/postfix/x"
 * in smtpd_sender_restrictions is "check_sender_access hash:/etc/postfix/x". The data lists
 * have none, so a table there is an unknown restriction.
 */
const DEFAULT_ACCESS: Record<string, string> = {
  smtpd_client_restrictions: 'check_client_access',
  smtpd_helo_restrictions: 'check_helo_access',
  smtpd_sender_restrictions: 'check_sender_access',
  smtpd_recipient_restrictions: 'check_recipient_access',
  smtpd_relay_restrictions: 'check_recipient_access',
};

export function restrictionsOf(cf: MainCf, list: string): Restriction[] {
  const tokens = splitOutsideBraces(cf.expand(list));
  const out: Restriction[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i]!.toLowerCase();
    const check = DEFAULT_ACCESS[list];
    if (name.includes(':') && check !== undefined) out.push({ name: check, arg: tokens[i] });
    else if (TAKES_ARGUMENT.test(name) && i + 1 < tokens.length) out.push({ name, arg: tokens[++i] });
    else out.push({ name });
  }
  return out;
}

/**
 * Names in the restriction lists smtpd does not know: it then answers every mail with 451 4.3.5
 * "Server configuration error". The usual cause is a "#" comment after a value, which main.cf
 * keeps as part of the value. Class names of smtpd_restriction_classes are restrictions too.
 */
export function unknownRestrictions(cf: MainCf): FeedbackLine[] {
  const classes = new Set(cf.list('smtpd_restriction_classes').map((c) => c.toLowerCase()));
  const lines: FeedbackLine[] = [];
  for (const list of [...RESTRICTION_LISTS, 'smtpd_data_restrictions', 'smtpd_end_of_data_restrictions']) {
    const rs = restrictionsOf(cf, list);
    for (const [i, r] of rs.entries()) {
      // An unconditional permit, reject or defer ends the list for every mail: smtpd never reads
      // the words after it (a real smtpd takes "reject # note" and answers 554). Said only when
      // those words would be wrong where they were reached.
      if (['permit', 'reject', 'defer'].includes(r.name) && rs[i - 1]?.name !== 'warn_if_reject') {
        const wrong = rs.slice(i + 1).find((x) => x.name.startsWith('#') || unknown(x, classes));
        if (wrong) lines.push(warn('postfix.unreached', text(`${list}: smtpd never reaches "${wrong.name}" after "${r.name}", which ends the list for every mail${wrong.name.startsWith('#') ? ' ("#" after a value is not a comment in main.cf; here it only does no harm)' : ''}.`, `${list}：smtpd 永远不会读到 "${r.name}" 之后的 "${wrong.name}"，"${r.name}" 对每封邮件都会结束这个列表${wrong.name.startsWith('#') ? '（main.cf 里值后面的 "#" 不是注释，只是在这里碰巧无害）' : ''}。`), text('Remove the words after it; put a comment on a line of its own that starts with "#".', '删掉它后面的词；注释请单独写成一行，以 "#" 开头。')));
        break;
      }
      if (r.name.startsWith('#')) {
        lines.push(error('postfix.unknown-restriction', text(`${list} contains "${r.name}" and the words after it: a "#" after a value is not a comment in main.cf, so smtpd reads each word as a restriction, knows none of them, and answers every mail "451 4.3.5 Server configuration error".`, `${list} 里有 "${r.name}" 及其后的词：main.cf 里值后面的 "#" 不是注释，smtpd 会把每个词都当作限制条件，一个也不认识，于是对每封邮件都回答 "451 4.3.5 Server configuration error"。`), text('Put the comment on a line of its own that starts with "#".', '把注释单独写成一行，以 "#" 开头。')));
        break;
      }
      if (unknown(r, classes)) {
        const missing = TAKES_ARGUMENT.test(r.name);
        lines.push(
          error(
            'postfix.unknown-restriction',
            missing
              ? text(`"${r.name}" in ${list} has no table after it: smtpd answers every mail "451 4.3.5 Server configuration error".`, `${list} 中的 "${r.name}" 后面没有查找表：smtpd 会对每封邮件回答 "451 4.3.5 Server configuration error"。`)
              : text(`"${r.name}" in ${list} is not a Postfix restriction: smtpd logs "unknown smtpd restriction" and answers every mail "451 4.3.5 Server configuration error".`, `${list} 中的 "${r.name}" 不是 Postfix 的限制条件：smtpd 会记录 "unknown smtpd restriction"，并对每封邮件回答 "451 4.3.5 Server configuration error"。`),
            missing ? text(`Write the table after it, e.g. "${r.name} hash:/etc/postfix/access".`, `在它后面写上查找表，例如 "${r.name} hash:/etc/postfix/access"。`) : text('Check the spelling, e.g. permit_sasl_authenticated, reject_unauth_destination.', '检查拼写，例如 permit_sasl_authenticated、reject_unauth_destination。'),
          ),
        );
      }
    }
  }
  return lines;
}

/** A word smtpd knows no restriction by, or an access check without its table. */
function unknown(r: Restriction, classes: Set<string>): boolean {
  return TAKES_ARGUMENT.test(r.name) ? r.name.endsWith('_access') && !r.arg : !KNOWN_RESTRICTIONS.has(r.name) && !classes.has(r.name);
}

/** The domains Postfix treats as its own destinations (reject_unauth_destination lets them through). */
export function ownDestinations(cf: MainCf): Map<string, string> {
  const own = new Map<string, string>();
  for (const list of ['mydestination', 'virtual_mailbox_domains', 'virtual_alias_domains', 'relay_domains']) {
    for (const d of cf.list(list)) if (!d.includes(':') && !d.startsWith('/')) own.set(d.toLowerCase(), list);
  }
  return own;
}

type Verdict = 'ok' | 'reject' | 'dunno' | 'unseen';

function evaluate(cf: MainCf, client: Client, r: Restriction, depth = 0): { verdict: Verdict; table?: Step['table'] } {
  const { name } = r;
  const sasl = client.sasl && cf.expand('smtpd_sasl_auth_enable').toLowerCase() === 'yes';
  const local = ownDestinations(cf).has(client.recipientDomain);
  if (name === 'permit') return { verdict: 'ok' };
  if (name === 'reject' || name === 'defer' || name === 'defer_if_permit') return { verdict: 'reject' };
  if (name === 'permit_mynetworks') return { verdict: cf.list('mynetworks').some((n) => inCidr(client.ip, n)) ? 'ok' : 'dunno' };
  if (name === 'permit_sasl_authenticated') return { verdict: sasl ? 'ok' : 'dunno' };
  if (name === 'reject_unauth_destination' || name === 'defer_unauth_destination') return { verdict: local ? 'dunno' : 'reject' };
  if (name === 'permit_auth_destination') return { verdict: local ? 'ok' : 'dunno' };
  const access = ACCESS.exec(name);
  if (access && r.arg) {
    if (!visibleTable(r.arg)) return { verdict: 'unseen' };
    const kind = access[1];
    const keys = kind === 'client' || kind === 'reverse_client' ? clientKeys(client.ip) : kind === 'sender' ? addressKeys(client.sender) : kind === 'recipient' ? addressKeys(`someone@${client.recipientDomain}`) : ['client.example'];
    const answer = lookUp(r.arg, keys, kind === 'client' ? client.ip : undefined);
    const table = { key: answer.key, result: answer.result };
    if (answer.restriction && depth < 3) return { ...evaluate(cf, client, { name: answer.restriction }, depth + 1), table };
    return { verdict: answer.verdict ?? 'dunno', table };
  }
  return { verdict: 'dunno' };
}

export function decide(cf: MainCf, client: Client): Decision {
  const permits: Step[] = [];
  for (const list of RESTRICTION_LISTS) {
    const restrictions = restrictionsOf(cf, list);
    for (let index = 0; index < restrictions.length; index++) {
      const r = restrictions[index]!;
      const { verdict, table } = evaluate(cf, client, r);
      const step: Step = { list, index: index + 1, name: r.name, ...(r.arg ? { arg: r.arg } : {}), ...(table ? { table } : {}) };
      if (verdict === 'unseen') return { accepted: false, permits, unseen: step };
      if (verdict === 'reject') return { accepted: false, by: step, permits };
      // OK ends this list only; the next list is still evaluated (postconf(5)).
      if (verdict === 'ok') {
        permits.push(step);
        break;
      }
    }
  }
  return { accepted: true, permits, ...(permits[0] ? { by: permits[0] } : {}) };
}

export function describeStep(s: Step): Text {
  const what = s.arg ? `${s.name} ${s.arg}` : s.name;
  const said = s.table?.result ? (s.table.key && s.table.key !== '(any)' ? `, whose entry "${s.table.key}" says ${s.table.result}` : `, which says ${s.table.result}`) : '';
  const saidZh = s.table?.result ? (s.table.key && s.table.key !== '(any)' ? `，表中 "${s.table.key}" 一项的结果是 ${s.table.result}` : `，结果是 ${s.table.result}`) : '';
  return text(`"${what}" (item ${s.index} of ${s.list}${said})`, `"${what}"（${s.list} 第 ${s.index} 项${saidZh}）`);
}

export function explain(d: Decision): Text {
  if (!d.by) return text('no restriction refused it', '没有任何限制拒绝它');
  const step = describeStep(d.by);
  return text(`decided by ${step.en}`, `由 ${step['zh-CN']} 决定`);
}
