/**
 * The SPF grader: finds the domain's one SPF record, checks its terms, and evaluates it for
 * real with mailauth's SPF implementation against the exercise's zone — the hosts that should
 * send pass, everyone else fails. A permanent error is traced to its cause (spfDiagnosis.ts).
 */
import { createRequire } from 'node:module';
import { error, ok, text, warn, type FeedbackLine } from '../feedback.js';
import { parseSpf } from './spf.js';
import { diagnosePermerror } from './spfDiagnosis.js';
import { txtValue } from './zoneRecord.js';
import { bare, fqdn, type ZoneView } from './zoneView.js';

const require = createRequire(import.meta.url);
const { spf: mailauthSpf } = require('mailauth/lib/spf') as {
  spf: (opts: { sender: string; ip: string; helo: string; mta: string; resolver: unknown }) => Promise<{ status: { result: string; comment?: string } }>;
};

export interface SpfParams {
  domain: string;
  /** Addresses that must get "pass", with a label for feedback (e.g. "mail2.example.com, an MX host"). */
  pass: Array<{ ip: string; label: string }>;
  /** Addresses that must get "fail". */
  fail: string[];
  /** The exercise asks to reject others: ~all and ?all are errors, not warnings. */
  requireFail?: boolean;
}

/** Finds, checks and evaluates the SPF record of params.domain. */
export async function checkSpf(view: ZoneView, params: SpfParams): Promise<FeedbackLine[]> {
  const domain = fqdn(params.domain);
  const lines: FeedbackLine[] = [];
  const txts = view.at(domain, 'TXT');
  const spfs = txts.filter((r) => /^v=spf1(\s|$)/i.test(txtValue(r)));
  if (view.at(domain, 'SPF').length > 0) {
    lines.push(warn('spf.spf-type', text('The SPF record type (99) is obsolete; receivers only look at TXT (RFC 7208 §3.1).', 'SPF 记录类型（99）已经废弃；接收方只看 TXT（RFC 7208 §3.1）。'), text('Publish the same text as a TXT record and remove the SPF-type record.', '把同样的内容发布为 TXT 记录，删掉 SPF 类型的记录。')));
  }
  if (spfs.length === 0) {
    const glued = txts.find((r) => /^v=spf1/i.test(txtValue(r)) && (r.strings?.length ?? 0) > 1);
    if (glued) {
      lines.push(
        error(
          'spf.strings-joined',
          text(`Line ${glued.line}: the TXT record is ${glued.strings!.length} separate strings, and DNS joins them WITHOUT spaces: "${txtValue(glued)}". That is not an SPF record.`, `第 ${glued.line} 行：这条 TXT 记录是 ${glued.strings!.length} 个独立的字符串，DNS 会把它们无空格地拼起来："${txtValue(glued)}"。这不是 SPF 记录。`),
          text(`Put the whole record inside one pair of quotes: "${glued.strings!.join(' ')}".`, `把整条记录放进一对引号里："${glued.strings!.join(' ')}"。`),
        ),
      );
      return lines;
    }
    const elsewhere = view.records.filter((r) => r.type === 'TXT' && /^v=spf1/i.test(txtValue(r))).map((r) => r.name);
    lines.push(
      error(
        'spf.missing',
        elsewhere.length > 0
          ? text(`${bare(domain)} has no SPF record; you published one at ${[...new Set(elsewhere)].map(bare).join(', ')}.`, `${bare(domain)} 没有 SPF 记录；你把它发布在了 ${[...new Set(elsewhere)].map(bare).join('、')}。`)
          : text(`${bare(domain)} has no TXT record starting with "v=spf1".`, `${bare(domain)} 没有以 "v=spf1" 开头的 TXT 记录。`),
        text(`Receivers look up SPF at the domain of the envelope sender: "${domain} IN TXT \\"v=spf1 ... -all\\"".`, `接收方在信封发件人的域名上查 SPF："${domain} IN TXT \\"v=spf1 ... -all\\""。`),
      ),
    );
    return lines;
  }
  if (spfs.length > 1) {
    lines.push(
      error(
        'spf.multiple',
        text(`${bare(domain)} has ${spfs.length} SPF records (lines ${spfs.map((r) => r.line).join(', ')}); with more than one, receivers return "permerror" and ignore them all (RFC 7208 §4.5).`, `${bare(domain)} 有 ${spfs.length} 条 SPF 记录（第 ${spfs.map((r) => r.line).join('、')} 行）；多于一条时接收方返回 "permerror"，全部作废（RFC 7208 §4.5）。`),
        text('Merge them into one record: one "v=spf1", all the mechanisms, one "-all" at the end.', '合并成一条：一个 "v=spf1"，所有机制，最后一个 "-all"。'),
      ),
    );
    return lines;
  }
  const record = spfs[0]!;
  const value = txtValue(record);
  const parsed = parseSpf(value);
  for (const p of parsed.problems) lines.push({ level: p.level, code: p.code, message: p.message, ...(p.hint ? { hint: p.hint } : {}) });
  if (parsed.problems.some((p) => p.level === 'error')) return lines;

  const all = parsed.terms.find((t) => t.name === 'all');
  const redirect = parsed.terms.some((t) => t.name === 'redirect');
  if (!all && !redirect) {
    const msg = text('The record does not end with "all": hosts it does not list get "neutral", which receivers treat like no SPF at all.', '记录没有以 "all" 结尾：没列出的主机得到 "neutral"，接收方会当作没有 SPF。');
    const hint = text('End it with -all so every other sender fails.', '以 -all 结尾，让其他发件方都 fail。');
    lines.push(params.requireFail ? error('spf.no-all', msg, hint) : warn('spf.no-all', msg, hint));
  } else if (all && (all.qualifier === '~' || all.qualifier === '?')) {
    const msg = all.qualifier === '~'
      ? text('"~all" is a soft fail: receivers accept the mail and only mark it suspicious.', '"~all" 是软失败：接收方仍会收下邮件，只标记为可疑。')
      : text('"?all" is neutral: it says nothing about other senders.', '"?all" 是中立：对其他发件方什么也没说。');
    const hint = text('Use -all to reject every sender that is not listed.', '用 -all 拒绝所有未列出的发件方。');
    lines.push(params.requireFail ? error('spf.soft-all', msg, hint) : warn('spf.soft-all', msg, hint));
  }
  lines.push(ok('spf.syntax', `The SPF record is valid: "${value}" (${parsed.lookups} DNS lookup${parsed.lookups === 1 ? '' : 's'}, at most 10 allowed).`, `SPF 记录语法正确："${value}"（${parsed.lookups} 次 DNS 查询，上限 10 次）。`));

  // Evaluate for real, as a receiving server would, against the exercise's zone only.
  const resolver = view.resolver();
  const evaluate = async (ip: string): Promise<{ result: string; comment?: string }> => {
    const res = await mailauthSpf({ sender: `postmaster@${bare(domain)}`, ip, helo: 'client.lab.invalid', mta: 'mx.grader.maillab', resolver });
    return res.status;
  };
  const results = new Map<string, { result: string; comment?: string }>();
  for (const ip of [...params.pass.map((x) => x.ip), ...params.fail]) results.set(ip, await evaluate(ip));
  const broken = [...results.values()].find((r) => r.result === 'permerror' || r.result === 'temperror');
  if (broken) {
    // One cause, not a line per address: the record itself is unusable.
    lines.push(diagnosePermerror(view, domain) ?? permerror(broken.comment));
    return lines;
  }
  const delegates = parsed.terms.some((t) => t.name === 'include' || t.name === 'redirect');
  for (const { ip, label } of params.pass) {
    const got = results.get(ip)!.result;
    if (got === 'pass') lines.push(ok('spf.eval-pass', `${ip} (${label}) gets "pass".`, `${ip}（${label}）得到 "pass"。`));
    else {
      lines.push(
        error(
          'spf.eval-pass',
          text(`A receiver checking mail from ${ip} (${label}) gets "${got}", not "pass": this server could not send for ${bare(domain)}.`, `接收方检查来自 ${ip}（${label}）的邮件得到 "${got}"，而不是 "pass"：这台服务器无法代表 ${bare(domain)} 发信。`),
          delegates
            ? text(`Inside a policy reached by include: or redirect=, a bare "a" or "mx" means THAT domain's hosts, not ${bare(domain)}'s: write "mx:${bare(domain)}", or "ip4:${ip}".`, `在通过 include: 或 redirect= 到达的策略里，单独的 "a" 或 "mx" 指的是那个域名的主机，而不是 ${bare(domain)} 的：请写 "mx:${bare(domain)}" 或 "ip4:${ip}"。`)
            : text(`Add a mechanism that matches ${ip}: "mx" covers the MX hosts, "a" the domain's own A record, "ip4:${ip}" this address.`, `添加能匹配 ${ip} 的机制："mx" 覆盖 MX 主机，"a" 覆盖域名自己的 A 记录，"ip4:${ip}" 覆盖这个地址。`),
        ),
      );
    }
  }
  const wrongFails = params.fail.filter((ip) => results.get(ip)!.result !== 'fail').map((ip) => `${ip} → ${results.get(ip)!.result}`);
  const allReported = lines.some((l) => l.code === 'spf.soft-all' || l.code === 'spf.no-all');
  if (wrongFails.length === 0) {
    lines.push(ok('spf.eval-fail', `Other senders (${params.fail.join(', ')}) get "fail".`, `其他发件方（${params.fail.join('、')}）得到 "fail"。`));
  } else if (wrongFails.some((w) => w.endsWith('pass')) || (params.requireFail && !allReported)) {
    lines.push(
      error(
        'spf.eval-fail',
        text(`Senders that are not yours do not fail: ${wrongFails.join(', ')}.`, `不属于你的发件方没有被判为 fail：${wrongFails.join('、')}。`),
        text('Only list your own servers, and end with -all.', '只列出你自己的服务器，并以 -all 结尾。'),
      ),
    );
  }
  return lines;
}

function permerror(comment: string | undefined): FeedbackLine {
  return error(
    'spf.permerror',
    text(`Receivers evaluating the record get "permerror"${comment ? ` (${comment})` : ''}: the record is unusable, so no sender passes.`, `接收方计算这条记录得到 "permerror"${comment ? `（${comment}）` : ''}：记录无法使用，没有发件方能通过。`),
    text('Check every term: include: and redirect= must point at domains with their own SPF record, and names in a:, mx: and exists: must exist.', '检查每一项：include: 和 redirect= 指向的域名必须有自己的 SPF 记录，a:、mx:、exists: 里的名字必须存在。'),
  );
}
