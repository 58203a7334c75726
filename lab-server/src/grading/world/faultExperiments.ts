/**
 * Experiments with armed faults (fault injection on the world page), graded from what really
 * happened in the learner's mail world: the sending server's log (deferred, sent, bounced and
 * why), the bounce in the sender's mailbox, and the copies in the recipient's.
 *
 *  - greylisting: the first attempt gets 450 4.7.1, and the queue's later retry gets through;
 *  - mailbox full: 452 at RCPT defers (temporary), 552 after the final dot bounces (permanent);
 *  - DNS outage: SERVFAIL or a timeout for the MX defers the mail, which is delivered once the DNS answers;
 *  - a connection dropped before the final dot: deferred, and in the end exactly one copy arrives.
 */
import type { Sandbox } from '../../world/sandbox.js';
import { error, ok, text, type FeedbackLine, type Text } from '../feedback.js';
import { messagesOf } from '../protocol/evidence.js';
import { deliveriesTo, type Delivery, type ExperimentParams } from './experiments.js';

const armHint = (what: Text, p: ExperimentParams): Text =>
  text(
    `On the world page's "Faults" tab, ${what.en} Then send a message from ${p.from} to ${p.to} (submission terminal: STARTTLS, AUTH, MAIL FROM, RCPT TO, DATA).`,
    `在"邮件世界"页面的"故障"标签中，${what['zh-CN']}然后从 ${p.from} 给 ${p.to} 发一封邮件（submission 终端：STARTTLS、AUTH、MAIL FROM、RCPT TO、DATA）。`,
  );

/** A deferral whose reason matches, then a later "sent" of the same message. */
function deferredThenSent(all: Delivery[], reason: RegExp): { deferred?: Delivery; sent?: Delivery } {
  const at = all.findIndex((d) => d.status === 'deferred' && reason.test(d.reason));
  if (at < 0) return {};
  const deferred = all[at]!;
  return { deferred, sent: all.slice(at + 1).find((d) => d.status === 'sent' && d.id === deferred.id) };
}

/** Shared shape of three experiments: the fault defers a message, and it arrives later. */
async function deferThenArrive(sandbox: Sandbox, p: ExperimentParams, code: string, reason: RegExp, words: { arm: Text; seen: Text; missing: Text; fix: Text }): Promise<FeedbackLine[]> {
  const all = await deliveriesTo(sandbox, p.from, p.to);
  const { deferred, sent } = deferredThenSent(all, reason);
  if (!deferred) {
    const other = all.filter((d) => d.status === 'deferred').pop();
    return [
      error(
        `world.${code}-not-seen`,
        other ? text(`A message to ${p.to} was deferred, but for another reason: "${other.reason}".`, `发给 ${p.to} 的邮件被推迟了，但原因不同："${other.reason}"。`) : words.missing,
        armHint(words.arm, p),
      ),
    ];
  }
  const lines = [ok(`world.${code}-seen`, `${words.seen.en} Message ${deferred.id}: "${deferred.reason}".`, `${words.seen['zh-CN']}邮件 ${deferred.id}："${deferred.reason}"。`)];
  lines.push(
    sent
      ? ok(`world.${code}-delivered`, `The queue tried message ${deferred.id} again and it was delivered: "${sent.reason}".`, `队列重试了邮件 ${deferred.id}，已投递："${sent.reason}"。`)
      : error(`world.${code}-not-delivered`, text(`Message ${deferred.id} has not been delivered since.`, `邮件 ${deferred.id} 此后还没有投递成功。`), words.fix),
  );
  return lines;
}

/** Greylisting on the receiver: 450 4.7.1 first, delivered by a retry after the greylisting time. */
export function gradeGreylisting(sandbox: Sandbox, p: ExperimentParams): Promise<FeedbackLine[]> {
  return deferThenArrive(sandbox, p, 'greylist', /said: 450 4\.7\.1 .*Greylisted/, {
    arm: text('arm "Greylisting" on mail.otherdomain.com with 1 minute.', '在 mail.otherdomain.com 上设置"灰名单"，时间 1 分钟。'),
    seen: text('The receiving server greylisted the first attempt with 450 4.7.1.', '收信服务器以 450 4.7.1 把第一次投递放进了灰名单。'),
    missing: text(`No message to ${p.to} has been greylisted yet.`, `还没有发给 ${p.to} 的邮件被灰名单拦下。`),
    fix: text('Wait: the queue retries by itself, and the retry after the greylisting time gets through. "Flush queue" too early only gets another 450.', '请等待：队列会自动重试，超过灰名单时间之后的重试就能通过。太早点"立即重试队列"只会再得到一个 450。'),
  });
}

/** SERVFAIL or no answer for the recipient domain's MX: deferred; delivered once the DNS answers. */
export function gradeDnsOutage(sandbox: Sandbox, p: ExperimentParams): Promise<FeedbackLine[]> {
  const domain = p.to.split('@').pop() ?? '';
  return deferThenArrive(sandbox, p, 'dns-outage', new RegExp(`name=${domain.replace(/\./g, '\\.')} type=MX: Host not found, try again`), {
    arm: text(`arm a DNS fault: SERVFAIL (or TIMEOUT) for ${domain}, type MX.`, `设置一个 DNS 故障：对 ${domain} 的 MX 查询返回 SERVFAIL（或 TIMEOUT）。`),
    seen: text(`The MX lookup of ${domain} failed temporarily, so the queue deferred the mail instead of bouncing it.`, `${domain} 的 MX 查询暂时失败，所以队列推迟了邮件，而不是退回。`),
    missing: text(`No message to ${p.to} has been deferred by a failing MX lookup yet.`, `还没有发给 ${p.to} 的邮件因 MX 查询失败而被推迟。`),
    fix: text('Disarm the DNS fault, then press "Flush queue" (or wait for the retry).', '解除这个 DNS 故障，然后点击"立即重试队列"（或等待自动重试）。'),
  });
}

/** The connection drops before the final dot: deferred, then exactly one copy after the retry. */
export async function gradeDroppedBeforeDot(sandbox: Sandbox, p: ExperimentParams): Promise<FeedbackLine[]> {
  const lines = await deferThenArrive(sandbox, p, 'dropped', /lost connection with .* while sending message body/, {
    arm: text('arm "Drop the connection" on mail.otherdomain.com at "the middle of the message", once.', '在 mail.otherdomain.com 上设置"断开连接"，位置选"邮件正文中途"，只触发 1 次。'),
    seen: text('The connection was lost before the final dot, so the sender could not know the message arrived, and deferred it.', '连接在结尾的点之前断开，发信方无法确认邮件已送达，于是推迟了它。'),
    missing: text(`No message to ${p.to} has lost its connection in the middle of the message yet.`, `还没有发给 ${p.to} 的邮件在正文中途断开连接。`),
    fix: text('Let the fault fire only once (or disarm it), then press "Flush queue".', '让故障只触发一次（或解除它），然后点击"立即重试队列"。'),
  });
  const dropped = (await deliveriesTo(sandbox, p.from, p.to)).find((d) => d.status === 'deferred' && /while sending message body/.test(d.reason));
  if (!dropped || lines.some((l) => l.level === 'error')) return lines;
  // The sending queue id travels in the Received: line the submission server wrote.
  const copies = (await messagesOf(sandbox, p.to)).filter((m) => new RegExp(`\\bid ${dropped.id}\\b`).test(m.headerText));
  lines.push(
    copies.length === 1
      ? ok('world.dropped-one-copy', `${p.to} has exactly one copy of message ${dropped.id}: the cut-off transfer delivered nothing, the retry delivered it once.`, `${p.to} 只有一份邮件 ${dropped.id}：被切断的传输什么也没投递，重试投递了一次。`)
      : error(
          'world.dropped-copies',
          text(`${p.to} has ${copies.length} copies of message ${dropped.id} in the INBOX.`, `${p.to} 的收件箱里有 ${copies.length} 份邮件 ${dropped.id}。`),
          text('Keep the copy in the INBOX: it shows the message arrived once, after the retry.', '请保留收件箱里的这份邮件：它证明邮件在重试之后送达了一次。'),
        ),
  );
  return lines;
}

/** 452 at RCPT defers (try later); 552 after the final dot bounces (give up), with the DSN in the sender's INBOX. */
export async function gradeMailboxFull(sandbox: Sandbox, p: ExperimentParams): Promise<FeedbackLine[]> {
  const all = await deliveriesTo(sandbox, p.from, p.to);
  const lines: FeedbackLine[] = [];
  const deferred = all.find((d) => d.status === 'deferred' && /said: 452 4\.2\.2/.test(d.reason));
  lines.push(
    deferred
      ? ok('world.452-deferred', `452 4.2.2 at RCPT TO is temporary: message ${deferred.id} was deferred and stays in the queue for a retry.`, `RCPT TO 阶段的 452 4.2.2 是临时错误：邮件 ${deferred.id} 被推迟，留在队列里等待重试。`)
      : error('world.no-452', text(`No message to ${p.to} was answered 452 4.2.2 yet.`, `还没有发给 ${p.to} 的邮件得到 452 4.2.2。`), armHint(text('arm "Reply code" on mail.otherdomain.com: step RCPT TO, code 452.', '在 mail.otherdomain.com 上设置"回复码"：步骤 RCPT TO，代码 452。'), p)),
  );
  const bounced = all.find((d) => d.status === 'bounced' && /said: 552 5\.2\.2/.test(d.reason));
  if (!bounced) {
    lines.push(error('world.no-552', text(`No message to ${p.to} was refused with 552 5.2.2 after the final dot yet.`, `还没有发给 ${p.to} 的邮件在结尾的点之后被 552 5.2.2 拒绝。`), armHint(text('disarm the 452, then arm "Reply code" on mail.otherdomain.com: step "the final dot", code 552.', '解除 452，然后在 mail.otherdomain.com 上设置"回复码"：步骤"结尾的点"，代码 552。'), p)));
    return lines;
  }
  lines.push(ok('world.552-bounced', `552 5.2.2 after the final dot is permanent: message ${bounced.id} was returned to its sender at once.`, `结尾的点之后的 552 5.2.2 是永久错误：邮件 ${bounced.id} 被立即退回发件人。`));
  const dsn = (await messagesOf(sandbox, p.from)).some((m) => m.subject === 'Undelivered Mail Returned to Sender' && m.text.includes(`<${p.to}>: host`) && m.text.includes('552 5.2.2'));
  lines.push(
    dsn
      ? ok('world.552-dsn', `${p.from} received the bounce (RFC 3464) that quotes the 552 5.2.2.`, `${p.from} 收到了引用 552 5.2.2 的退信（RFC 3464）。`)
      : error('world.552-no-dsn', text(`${p.from} has no bounce quoting 552 5.2.2 in the INBOX.`, `${p.from} 的收件箱里没有引用 552 5.2.2 的退信。`), text('If you deleted it, send one more message while the 552 is armed.', '如果你删掉了它，请在 552 仍然生效时再发一封。')),
  );
  return lines;
}
