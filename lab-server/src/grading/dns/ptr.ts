/**
 * Reverse DNS: the PTR record for an IPv4 address lives at its octets reversed under
 * in-addr.arpa. (RFC 1035 §3.5) and must name a host whose A record points back at the same
 * address (forward-confirmed reverse DNS, which receiving mail servers check).
 */
import { isIPv4 } from 'node:net';
import { error, ok, text, type FeedbackLine } from '../feedback.js';
import { bare, fqdn, type ZoneView } from './zoneView.js';

export interface PtrParams {
  ip: string;
  host: string;
}

export function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa.`;
}

export function checkPtr(view: ZoneView, params: PtrParams, mistyped: Set<string>): FeedbackLine[] {
  if (!isIPv4(params.ip)) throw new Error(`exercise error: ${params.ip} is not IPv4`);
  const name = reverseName(params.ip);
  const host = fqdn(params.host);
  const lines: FeedbackLine[] = [];
  const ptrs = view.at(name, 'PTR');
  if (ptrs.length === 0) {
    const others = view.records.filter((r) => r.type === 'PTR');
    const notReversed = `${params.ip}.in-addr.arpa.`;
    const mine = others.find((r) => r.name === notReversed);
    if (mine) {
      lines.push(error('ptr.not-reversed', text(`Line ${mine.line}: the PTR is at ${bare(notReversed)}, but reverse names list the octets backwards: ${bare(name)}.`, `第 ${mine.line} 行：PTR 写在 ${bare(notReversed)}，但反向名字要把四段数字倒过来：${bare(name)}。`), text('DNS names go from the most specific label to the least, so 192.0.2.25 becomes 25.2.0.192.in-addr.arpa.', 'DNS 名字从最具体的标签写到最笼统的，所以 192.0.2.25 变成 25.2.0.192.in-addr.arpa.。')));
    } else if (others.length > 0) {
      lines.push(error('ptr.wrong-name', text(`There is no PTR at ${bare(name)}; your PTR is at ${[...new Set(others.map((r) => r.name))].map(bare).join(', ')}.`, `${name} 没有 PTR 记录；你的 PTR 在 ${[...new Set(others.map((r) => r.name))].map(bare).join('、')}。`), text(`In the zone ${name.split('.').slice(1).join('.')} the owner is just "${name.split('.')[0]}".`, `在区域 ${name.split('.').slice(1).join('.')} 里，名字只写 "${name.split('.')[0]}"。`)));
    } else {
      lines.push(error('ptr.missing', text(`There is no PTR record at ${bare(name)}.`, `${name} 没有 PTR 记录。`), text(`Write "${name} IN PTR ${host}".`, `写 "${name} IN PTR ${host}"。`)));
    }
    return lines;
  }
  if (ptrs.length > 1) {
    // Receivers take whichever name the resolver hands them first: half the time the wrong one.
    lines.push(error('ptr.multiple', text(`${bare(name)} has ${ptrs.length} PTR records (${ptrs.map((r) => bare(r.target!)).join(', ')}); a receiver checks whichever one its resolver returns first, so the mail server's name is confirmed only some of the time.`, `${bare(name)} 有 ${ptrs.length} 条 PTR 记录（${ptrs.map((r) => bare(r.target!)).join('、')}）；接收方只检查解析器最先返回的那一条，所以邮件服务器的名字只是有时能被确认。`), text(`Keep exactly one PTR per address: "${host}".`, `每个地址只保留一条 PTR："${host}"。`)));
  }
  const toHost = ptrs.find((r) => r.target === host);
  if (!toHost) {
    if (ptrs.every((r) => mistyped.has(r.target!))) return lines;
    lines.push(error('ptr.target', text(`${bare(name)} points at ${ptrs.map((r) => bare(r.target!)).join(', ')}, not at ${bare(host)}.`, `${bare(name)} 指向 ${ptrs.map((r) => bare(r.target!)).join('、')}，而不是 ${bare(host)}。`), text(`Point it at the mail server's name: "${host}".`, `让它指向邮件服务器的名字："${host}"。`)));
    return lines;
  }
  lines.push(ok('ptr.name', `${bare(name)} points at ${bare(host)}.`, `${bare(name)} 指向 ${bare(host)}。`));
  const forward = view.addresses(host);
  if (forward.includes(params.ip)) {
    lines.push(ok('ptr.fcrdns', `Forward-confirmed: ${bare(host)} has the A record ${params.ip}.`, `正反向一致：${bare(host)} 的 A 记录就是 ${params.ip}。`));
  } else {
    lines.push(error('ptr.fcrdns', text(`${bare(host)} resolves to ${forward.join(', ') || 'nothing'}, not back to ${params.ip}: receivers treat reverse DNS that does not confirm as missing.`, `${bare(host)} 解析到 ${forward.join('、') || '空'}，没有指回 ${params.ip}：正反向不一致时接收方当作没有反向解析。`), text(`Give ${bare(host)} the A record ${params.ip}.`, `给 ${bare(host)} 加上 A 记录 ${params.ip}。`)));
  }
  return lines;
}
