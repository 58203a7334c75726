/**
 * MX grader: the domain's mail hosts, in the order asked, each a host name with an address in
 * the zone — never an IP literal, never a CNAME (RFC 2181 §10.3, RFC 5321 §5.1).
 */
import { error, ok, text, type FeedbackLine, type Text } from '../feedback.js';
import { writtenAsAddress } from './hostNames.js';
import { bare, fqdn, type ZoneView } from './zoneView.js';
import type { ZoneRecord } from './zoneRecord.js';

export interface MxParams {
  domain: string;
  /** The mail hosts, most preferred first. */
  hosts: string[];
}


/** Checks the MX RRset of params.domain; `mistyped` are targets already reported as a missing dot. */
export function checkMx(view: ZoneView, params: MxParams, mistyped: Set<string>): FeedbackLine[] {
  const domain = fqdn(params.domain);
  const lines: FeedbackLine[] = [];
  const mx = view.at(domain, 'MX');
  if (mx.length === 0) {
    const elsewhere = view.records.filter((r) => r.type === 'MX').map((r) => r.name);
    lines.push(
      error(
        'mx.missing',
        elsewhere.length > 0
          ? text(`There is no MX record for ${domain}; your MX records are at ${[...new Set(elsewhere)].join(', ')}.`, `${domain} 没有 MX 记录；你的 MX 记录写在了 ${[...new Set(elsewhere)].join('、')}。`)
          : text(`There is no MX record for ${domain}.`, `${domain} 没有 MX 记录。`),
        text(`The owner of an MX record is the mail domain itself: "${domain} IN MX 10 ${params.hosts[0]}" (or "@" when the origin is ${domain}).`, `MX 记录的名字就是邮件域本身："${domain} IN MX 10 ${params.hosts[0]}"（origin 是 ${domain} 时可以写 "@"）。`),
      ),
    );
    return lines;
  }
  const wanted = params.hosts.map(fqdn);
  const nullMx = mx.find((r) => r.target === '.');
  if (nullMx && mx.length > 1) {
    lines.push(
      error(
        'mx.null-with-others',
        text(`Line ${nullMx.line}: "MX 0 ." is a null MX, which says "${bare(domain)} accepts no mail at all" (RFC 7505); it must be the only MX record, and beside real MX records senders cannot tell which one you mean.`, `第 ${nullMx.line} 行："MX 0 ." 是空 MX，表示 "${bare(domain)} 根本不收邮件"（RFC 7505）；它必须是唯一的 MX 记录，和真正的 MX 记录放在一起，发件方无法判断你的意思。`),
        text('This domain receives mail: remove the null MX and keep the MX records of the mail hosts.', '这个域名要收邮件：删掉空 MX，保留邮件主机的 MX 记录。'),
      ),
    );
  }
  for (const r of mx) if (r.target !== '.') lines.push(...checkTarget(view, r, wanted, mistyped, domain));
  for (const host of wanted) {
    // "mail.example.com" without its dot is already explained as a missing trailing dot.
    const explained = [...mistyped].some((m) => m.startsWith(host));
    if (!mx.some((r) => r.target === host) && !explained) {
      lines.push(
        error('mx.host-missing', text(`${bare(host)} is not among the MX hosts of ${bare(domain)}.`, `${bare(host)} 不在 ${bare(domain)} 的 MX 主机里。`), text(`Add "${domain} IN MX <preference> ${host}".`, `添加 "${domain} IN MX <优先级> ${host}"。`)),
      );
    }
  }
  const prefs = wanted.map((h) => mx.find((r) => r.target === h)?.preference);
  let ordered = true;
  for (let i = 1; i < prefs.length; i++) {
    const before = prefs[i - 1];
    const here = prefs[i];
    if (before !== undefined && here !== undefined && !(before < here)) {
      ordered = false;
      lines.push(
        error(
          'mx.order',
          text(`${bare(wanted[i]!)} has preference ${here} and ${bare(wanted[i - 1]!)} has ${before}: senders try the LOWEST number first, so ${bare(wanted[i - 1]!)} would not be the primary.`, `${bare(wanted[i]!)} 的优先级是 ${here}，${bare(wanted[i - 1]!)} 是 ${before}：发件方先尝试数字最小的，${bare(wanted[i - 1]!)} 就不是主服务器了。`),
          text(`Give ${bare(wanted[i - 1]!)} a smaller number than ${bare(wanted[i]!)}, e.g. 10 and 20 (equal numbers mean "share the load", not "backup").`, `给 ${bare(wanted[i - 1]!)} 一个比 ${bare(wanted[i]!)} 小的数字，例如 10 和 20（数字相同表示分担负载，而不是备用）。`),
        ),
      );
    }
  }
  if (ordered && prefs.every((p) => p !== undefined) && wanted.length > 1) {
    lines.push(ok('mx.order', `Preferences are in the right order: ${wanted.map((h, i) => `${bare(h)} (${prefs[i]})`).join(' before ')}.`, `优先级顺序正确：${wanted.map((h, i) => `${bare(h)}（${prefs[i]}）`).join(' 先于 ')}。`));
  }
  return lines;
}

function checkTarget(view: ZoneView, r: ZoneRecord, wanted: string[], mistyped: Set<string>, domain: string): FeedbackLine[] {
  const where = text(`Line ${r.line}: `, `第 ${r.line} 行：`);
  const at = (t: Text): Text => text(where.en + t.en, where['zh-CN'] + t['zh-CN']);
  if (writtenAsAddress(r.targetText)) {
    return [
      error(
        'mx.target-ip',
        at(text(`the MX points at an IP address (${r.targetText}); an MX must name a host (RFC 5321 §5.1), and BIND reads "${r.targetText}" as the host name "${r.target}".`, `MX 指向了 IP 地址（${r.targetText}）；MX 必须写主机名（RFC 5321 §5.1），BIND 会把 "${r.targetText}" 当成主机名 "${r.target}"。`)),
        text('Point the MX at the mail server\'s name (e.g. mail.example.com.) and give that name an A record with the address.', '让 MX 指向邮件服务器的主机名（例如 mail.example.com.），再给这个名字一条 A 记录写上地址。'),
      ),
    ];
  }
  if (mistyped.has(r.target!)) return [];
  const cname = view.at(r.target!, 'CNAME')[0];
  if (cname) {
    return [
      error(
        'mx.target-cname',
        at(text(`the MX target ${bare(r.target!)} is a CNAME (an alias of ${bare(cname.target!)}); MX targets must not be aliases (RFC 2181 §10.3).`, `MX 目标 ${bare(r.target!)} 是 CNAME（${bare(cname.target!)} 的别名）；MX 不能指向别名（RFC 2181 §10.3）。`)),
        text(`Point the MX straight at ${bare(cname.target!)}, or replace the CNAME with an A record.`, `让 MX 直接指向 ${bare(cname.target!)}，或者把 CNAME 换成 A 记录。`),
      ),
    ];
  }
  const lines: FeedbackLine[] = [];
  const inZone = r.target === domain || r.target!.endsWith(`.${domain}`);
  if (!wanted.includes(r.target!) && !inZone) {
    // Another domain's host: the zone cannot show its address, and it is not what was asked.
    lines.push(unexpectedHost(at, r, wanted));
  } else if (view.addresses(r.target!).length === 0) {
    lines.push(
      error(
        'mx.target-no-address',
        at(text(`the MX target ${bare(r.target!)} has no A or AAAA record in the zone, so senders cannot reach it.`, `MX 目标 ${bare(r.target!)} 在区域里没有 A 或 AAAA 记录，发件方找不到它。`)),
        text(`Check the spelling, or add "${r.target} IN A <address>".`, `检查拼写，或者添加 "${r.target} IN A <地址>"。`),
      ),
    );
  } else if (!wanted.includes(r.target!)) {
    lines.push(unexpectedHost(at, r, wanted));
  } else {
    lines.push(ok('mx.target', `${bare(r.target!)} (preference ${r.preference}) is a host name with an address: ${view.addresses(r.target!).join(', ')}.`, `${bare(r.target!)}（优先级 ${r.preference}）是有地址的主机名：${view.addresses(r.target!).join('、')}。`));
  }
  return lines;
}

function unexpectedHost(at: (t: Text) => Text, r: ZoneRecord, wanted: string[]): FeedbackLine {
  return error(
    'mx.unexpected-host',
    at(text(`${bare(r.target!)} is not one of the mail hosts this exercise asks for (${wanted.map(bare).join(', ')}).`, `${bare(r.target!)} 不是本题要求的邮件主机（${wanted.map(bare).join('、')}）。`)),
    text('Remove this MX record or point it at one of the hosts asked for.', '删掉这条 MX 记录，或者让它指向题目要求的主机。'),
  );
}
