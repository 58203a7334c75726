/**
 * "Break it on purpose" experiments, graded from what really happened in the learner's mail
 * world: the sending server's log (Postfix lines: deferred, sent, bounced), the receiving
 * server's SPF/DKIM/DMARC reports, the sender's mailbox (the bounce) and the zones as they are
 * now. Each experiment has two halves — break it and see the failure, then fix it and see the
 * message arrive — and both must have happened, in that order.
 */
import { listAuthReports, type AuthReport } from '../../world/authReports.js';
import { splitAddress } from '../../world/definition.js';
import { readMtaLog } from '../../world/mailLogFiles.js';
import { stoppedMtas } from '../../world/mtaState.js';
import { homeMta } from '../../world/network.js';
import type { Sandbox } from '../../world/sandbox.js';
import { zonesInPlace } from '../../world/seedZones.js';
import { readZoneText, zoneNames } from '../../world/zoneStore.js';
import { Authority } from '../dns/authority.js';
import { error, ok, text, type FeedbackLine } from '../feedback.js';
import { messagesOf } from '../protocol/evidence.js';

export interface ExperimentParams {
  from: string;
  to: string;
}

export interface Delivery {
  id: string;
  to: string;
  status: 'sent' | 'deferred' | 'bounced';
  reason: string;
}

const DELIVERY = /postfix\/smtp\[\d+\]: ([0-9A-F]{10}): to=<([^>]*)>, .*status=(sent|deferred|bounced) \((.*)\)$/;

/** The sending server's delivery attempts for one recipient, oldest first. */
export async function deliveriesTo(sandbox: Sandbox, from: string, to: string): Promise<Delivery[]> {
  const host = homeMta(splitAddress(from)?.domain ?? '').host;
  return (await readMtaLog(sandbox, host, 5000))
    .map((line) => DELIVERY.exec(line))
    .filter((m): m is RegExpExecArray => !!m && m[2]!.toLowerCase() === to.toLowerCase())
    .map((m) => ({ id: m[1]!, to: m[2]!, status: m[3] as Delivery['status'], reason: m[4]! }));
}

/** SPF/DKIM/DMARC reports of messages from `from` to `to`, oldest first. */
async function reportsFor(sandbox: Sandbox, p: ExperimentParams): Promise<AuthReport[]> {
  return (await listAuthReports(sandbox)).filter((r) => r.envelopeFrom.toLowerCase() === p.from && r.recipients.some((x) => x.toLowerCase() === p.to)).reverse();
}

async function currentZones(sandbox: Sandbox): Promise<Authority> {
  await zonesInPlace(sandbox);
  const names = await zoneNames(sandbox);
  return new Authority(await Promise.all(names.map(async (name) => ({ name, text: (await readZoneText(sandbox, name)) ?? '' }))));
}

const sendHint = (p: ExperimentParams) =>
  text(`Then send a message from ${p.from} to ${p.to} (submission terminal: STARTTLS, AUTH, MAIL FROM, RCPT TO, DATA).`, `然后从 ${p.from} 给 ${p.to} 发一封邮件（submission 终端：STARTTLS、AUTH、MAIL FROM、RCPT TO、DATA）。`);

/** Break: a deferral whose reason matches; fix: a later "sent" for the same recipient. */
async function deferThenDeliver(
  sandbox: Sandbox,
  p: ExperimentParams,
  reason: RegExp,
  what: { brokeEn: string; brokeZh: string; breakEn: string; breakZh: string; fixEn: string; fixZh: string },
): Promise<FeedbackLine[]> {
  const lines: FeedbackLine[] = [];
  const all = await deliveriesTo(sandbox, p.from, p.to);
  const broke = all.findIndex((d) => d.status === 'deferred' && reason.test(d.reason));
  if (broke < 0) {
    const other = all.filter((d) => d.status === 'deferred').pop();
    lines.push(
      error(
        'world.no-defer',
        other
          ? text(`A message to ${p.to} was deferred, but for another reason: "${other.reason}".`, `发给 ${p.to} 的邮件被推迟了，但原因不同："${other.reason}"。`)
          : text(`No message to ${p.to} has been deferred yet: ${what.brokeEn}`, `还没有发给 ${p.to} 的邮件被推迟：${what.brokeZh}`),
        text(`${what.breakEn} ${sendHint(p).en}`, `${what.breakZh}${sendHint(p)['zh-CN']}`),
      ),
    );
    return lines;
  }
  lines.push(ok('world.deferred', `The queue deferred message ${all[broke]!.id}: "${all[broke]!.reason}".`, `队列推迟了邮件 ${all[broke]!.id}："${all[broke]!.reason}"。`));
  const fixed = all.slice(broke + 1).find((d) => d.status === 'sent');
  if (!fixed) {
    lines.push(error('world.not-delivered', text(`Nothing has reached ${p.to} since the deferral.`, `自推迟以来，还没有邮件到达 ${p.to}。`), text(what.fixEn, what.fixZh)));
  } else {
    lines.push(ok('world.delivered', `After the fix, message ${fixed.id} was delivered: "${fixed.reason}".`, `修复之后，邮件 ${fixed.id} 已投递："${fixed.reason}"。`));
  }
  return lines;
}

/** Stop mail.otherdomain.com, watch the queue defer, start it, watch it deliver. */
export async function gradeServerDown(sandbox: Sandbox, p: ExperimentParams): Promise<FeedbackLine[]> {
  const peer = homeMta(splitAddress(p.to)?.domain ?? '');
  const lines = await deferThenDeliver(sandbox, p, /Connection refused/, {
    brokeEn: `the queue defers only while ${peer.host} refuses connections.`,
    brokeZh: `只有 ${peer.host} 拒绝连接时，队列才会推迟投递。`,
    breakEn: `Stop ${peer.host} on the world page.`,
    breakZh: `在"邮件世界"页面停止 ${peer.host}。`,
    fixEn: `Start ${peer.host} again on the world page; the queue retries by itself, or press "Flush queue" to retry now.`,
    fixZh: `在"邮件世界"页面重新启动 ${peer.host}；队列会自动重试，也可以点击"立即重试队列"。`,
  });
  if ((await stoppedMtas(sandbox)).includes(peer.domain)) {
    lines.push(error('world.server-stopped', text(`${peer.host} is still stopped.`, `${peer.host} 仍处于停止状态。`), text('Start it on the world page.', '在"邮件世界"页面启动它。')));
  }
  return lines;
}

/** Remove the MX of the recipient's domain, watch the queue defer, put it back, watch it deliver. */
export async function gradeNoMx(sandbox: Sandbox, p: ExperimentParams): Promise<FeedbackLine[]> {
  const domain = splitAddress(p.to)?.domain ?? '';
  const lines = await deferThenDeliver(sandbox, p, new RegExp(`name=${domain.replace(/\./g, '\\.')} type=MX`), {
    brokeEn: `the queue defers when ${domain} has no MX record.`,
    brokeZh: `${domain} 没有 MX 记录时，队列会推迟投递。`,
    breakEn: `Delete the MX line from the zone ${domain} in the zone editor and save.`,
    breakZh: `在区域编辑器中删除区域 ${domain} 的 MX 行并保存。`,
    fixEn: `Put "@ IN MX 10 mail.${domain}." back into the zone ${domain}, save, then press "Flush queue" (or wait for the retry).`,
    fixZh: `把 "@ IN MX 10 mail.${domain}." 加回区域 ${domain}，保存，然后点击"立即重试队列"（或等待自动重试）。`,
  });
  const mx = (await currentZones(sandbox)).lookup(domain, 'MX');
  if (mx.rcode !== 'NOERROR' || mx.answers.length === 0) {
    lines.push(error('world.mx-missing', text(`${domain} still has no MX record.`, `${domain} 仍然没有 MX 记录。`), text(`Add "@ IN MX 10 mail.${domain}." to its zone.`, `在它的区域里添加 "@ IN MX 10 mail.${domain}."。`)));
  }
  return lines;
}

type Check = 'spf' | 'dkim';

/** Break SPF or DKIM, see <check>=fail at the receiver; fix it, see <check>=pass. */
async function failThenPass(sandbox: Sandbox, p: ExperimentParams, check: Check): Promise<FeedbackLine[]> {
  const domain = splitAddress(p.from)?.domain ?? '';
  const reports = await reportsFor(sandbox, p);
  const failed = reports.findIndex((r) => r[check] === 'fail');
  const how =
    check === 'spf'
      ? text(`Change the SPF record of ${domain} so that it ends in -all without the sending server, e.g. "v=spf1 ip4:203.0.113.9 -all".`, `修改 ${domain} 的 SPF 记录，使其以 -all 结尾且不包含发信服务器，例如 "v=spf1 ip4:203.0.113.9 -all"。`)
      : text(`Replace the p= value of default._domainkey.${domain} with another public key (the one given in the exercise).`, `把 default._domainkey.${domain} 的 p= 值换成另一把公钥（题目中给出的那把）。`);
  if (failed < 0) {
    const last = reports[reports.length - 1];
    return [
      error(
        `world.no-${check}-fail`,
        last
          ? text(`The last message from ${p.from} to ${p.to} got ${check}=${last[check]}, not ${check}=fail.`, `最近一封从 ${p.from} 发给 ${p.to} 的邮件得到的是 ${check}=${last[check]}，而不是 ${check}=fail。`)
          : text(`No message from ${p.from} has reached ${p.to}'s server yet.`, `还没有从 ${p.from} 发出的邮件到达 ${p.to} 的服务器。`),
        text(`${how.en} ${sendHint(p).en}`, `${how['zh-CN']}${sendHint(p)['zh-CN']}`),
      ),
    ];
  }
  const broken = reports[failed]!;
  const lines = [ok(`world.${check}-fail`, `Message ${broken.id} got ${check}=fail at ${broken.host} (spf=${broken.spf}, dkim=${broken.dkim}, dmarc=${broken.dmarc}).`, `邮件 ${broken.id} 在 ${broken.host} 得到 ${check}=fail（spf=${broken.spf}，dkim=${broken.dkim}，dmarc=${broken.dmarc}）。`)];
  const fixed = reports.slice(failed + 1).find((r) => r[check] === 'pass' && r.outcome === 'INBOX');
  if (!fixed) {
    lines.push(
      error(
        `world.${check}-not-fixed`,
        text(`No message since then has passed ${check.toUpperCase()}.`, `此后还没有邮件通过 ${check.toUpperCase()} 检查。`),
        text(`Restore the ${check === 'spf' ? 'SPF record ("v=spf1 mx a -all")' : 'DKIM record (the zone editor\'s "Restore" puts your own key back)'} and send again.`, `恢复${check === 'spf' ? ' SPF 记录（"v=spf1 mx a -all"）' : ' DKIM 记录（区域编辑器的"恢复"会放回你自己的公钥）'}，然后再发一次。`),
      ),
    );
  } else {
    lines.push(ok(`world.${check}-fixed`, `After the fix, message ${fixed.id} passed: ${check}=pass and it is in ${p.to}'s INBOX.`, `修复之后，邮件 ${fixed.id} 通过了：${check}=pass，并已在 ${p.to} 的收件箱中。`));
  }
  return lines;
}

export const gradeSpfFail = (sandbox: Sandbox, p: ExperimentParams): Promise<FeedbackLine[]> => failThenPass(sandbox, p, 'spf');
export const gradeDkimFail = (sandbox: Sandbox, p: ExperimentParams): Promise<FeedbackLine[]> => failThenPass(sandbox, p, 'dkim');

/** Publish p=reject with SPF and DKIM failing: see the 550 and the bounce; fix it: see the message arrive. */
export async function gradeDmarcReject(sandbox: Sandbox, p: ExperimentParams): Promise<FeedbackLine[]> {
  const domain = splitAddress(p.from)?.domain ?? '';
  const reports = await reportsFor(sandbox, p);
  const rejected = reports.findIndex((r) => r.outcome === 'rejected');
  if (rejected < 0) {
    const last = reports[reports.length - 1];
    return [
      error(
        'world.no-reject',
        last
          ? text(`The last message from ${p.from} to ${p.to} was not refused: dmarc=${last.dmarc}, delivered to ${last.outcome}.`, `最近一封从 ${p.from} 发给 ${p.to} 的邮件没有被拒收：dmarc=${last.dmarc}，投递到了 ${last.outcome}。`)
          : text(`No message from ${p.from} has reached ${p.to}'s server yet.`, `还没有从 ${p.from} 发出的邮件到达 ${p.to} 的服务器。`),
        text(
          `Set "p=reject" in _dmarc.${domain}, and make both SPF and DKIM fail (DMARC passes if either passes aligned). ${sendHint(p).en}`,
          `在 _dmarc.${domain} 中设置 "p=reject"，并让 SPF 和 DKIM 都失败（只要有一项对齐通过，DMARC 就会通过）。${sendHint(p)['zh-CN']}`,
        ),
      ),
    ];
  }
  const lines = [ok('world.rejected', `${reports[rejected]!.host} refused message ${reports[rejected]!.id} with 550 under p=reject.`, `${reports[rejected]!.host} 按 p=reject 以 550 拒收了邮件 ${reports[rejected]!.id}。`)];
  const bounced = (await messagesOf(sandbox, p.from)).some((m) => m.subject === 'Undelivered Mail Returned to Sender' && m.text.includes('DMARC policy'));
  lines.push(
    bounced
      ? ok('world.bounce', `${p.from} received the bounce that quotes the 550.`, `${p.from} 收到了引用这个 550 的退信。`)
      : error('world.no-bounce', text(`${p.from} has no bounce for it in the INBOX.`, `${p.from} 的收件箱里没有对应的退信。`), text('If you deleted it, reject one more message; the sending server returns it at once.', '如果你删掉了它，再让一封邮件被拒收；发信服务器会立即退回。')),
  );
  const fixed = reports.slice(rejected + 1).find((r) => r.dmarc === 'pass' && r.outcome === 'INBOX');
  lines.push(
    fixed
      ? ok('world.reject-fixed', `After the fix, message ${fixed.id} passed DMARC and arrived.`, `修复之后，邮件 ${fixed.id} 通过了 DMARC 并已送达。`)
      : error('world.reject-not-fixed', text('No message since the 550 has passed DMARC.', '自 550 以来，还没有邮件通过 DMARC。'), text(`Restore ${domain}'s zone (or fix SPF and DKIM), then send again.`, `恢复 ${domain} 的区域（或修好 SPF 和 DKIM），然后再发一次。`)),
  );
  return lines;
}
