/**
 * The bounce: a delivery status notification (RFC 3464) sent back to the sender when a
 * message cannot be delivered. Like Postfix's, it has three parts in a multipart/report: a
 * human-readable notice (here in English and Chinese), the machine-readable
 * message/delivery-status, and the returned message.
 */
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../smtp/trace.js';
import type { QueuedRecipient } from './queue.js';

export interface BounceInput {
  /** The reporting MTA: mail.example.com */
  host: string;
  queueId: string;
  sender: string;
  arrival: Date;
  failed: QueuedRecipient[];
  /** The original message (CRLF line ends). */
  original: Buffer;
  now: Date;
}

/** Messages larger than this come back as their headers only (text/rfc822-headers). */
const RETURN_WHOLE_LIMIT = 256 * 1024;

function headerPart(message: Buffer): Buffer {
  const end = message.indexOf('\r\n\r\n');
  return end === -1 ? message : message.subarray(0, end + 2);
}

/** Builds the bounce message for `sender` (CRLF line ends). */
export function bounceMessage(input: BounceInput): Buffer {
  const boundary = `${input.queueId}.${randomBytes(6).toString('hex')}/${input.host}`;
  const list = input.failed.map((r) => `<${r.address}>: ${r.reason ?? 'delivery failed'}`).join('\r\n\r\n');
  const notice = [
    `This is the mail system at host ${input.host}.`,
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients. It is attached below.',
    '',
    'What to do next: read the reason below. If it names a DNS record, look the',
    'domain up with the lab\'s dig tool and fix its zone; if it names a server,',
    'check that the server is running on the lab page. Then send the message again.',
    '',
    `这里是 ${input.host} 上的邮件系统。`,
    '很抱歉，你的邮件无法投递给下列一个或多个收件人，原邮件附在后面。',
    '下一步：阅读下面的原因。如果提到 DNS 记录，用实验室的 dig 工具查询该域名并修正区域；',
    '如果提到某台服务器，在实验页面检查它是否在运行。然后重新发送。',
    '',
    '                   The mail system / 邮件系统',
    '',
    list,
    '',
  ].join('\r\n');
  const status = [
    `Reporting-MTA: dns; ${input.host}`,
    `X-Postfix-Queue-ID: ${input.queueId}`,
    `X-Postfix-Sender: rfc822; ${input.sender}`,
    `Arrival-Date: ${rfc5322Date(input.arrival)}`,
    '',
    ...input.failed.flatMap((r) => [
      `Final-Recipient: rfc822; ${r.address}`,
      `Original-Recipient: rfc822;${r.address}`,
      'Action: failed',
      `Status: ${r.dsn ?? '5.0.0'}`,
      ...(r.remoteMta ? [`Remote-MTA: dns; ${r.remoteMta.replace(/\[.*$/, '')}`] : []),
      `Diagnostic-Code: ${r.diagnostic ? `smtp; ${r.diagnostic}` : `X-Postfix; ${r.reason ?? 'delivery failed'}`}`,
      `Last-Attempt-Date: ${rfc5322Date(input.now)}`,
      '',
    ]),
  ].join('\r\n');
  const whole = input.original.length <= RETURN_WHOLE_LIMIT;
  const returned = whole ? input.original : headerPart(input.original);
  const head = [
    `From: MAILER-DAEMON@${input.host} (Mail Delivery System)`,
    `To: ${input.sender}`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <${input.queueId}.${input.now.getTime()}@${input.host}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
    'Content-Transfer-Encoding: 8bit',
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    notice,
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    status,
    `--${boundary}`,
    `Content-Description: ${whole ? 'Undelivered Message' : 'Undelivered Message Headers'}`,
    `Content-Type: ${whole ? 'message/rfc822' : 'text/rfc822-headers'}`,
    'Content-Transfer-Encoding: 8bit',
    '',
    '',
  ].join('\r\n');
  const tail = `${returned.subarray(-2).toString() === '\r\n' ? '' : '\r\n'}\r\n--${boundary}--\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), returned, Buffer.from(tail)]);
}
