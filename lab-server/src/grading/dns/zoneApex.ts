/**
 * What BIND needs before it loads a whole zone at all: exactly one SOA at the origin, NS records
 * there, an address for every in-zone name server (BIND's integrity check), and a TTL for every
 * record. A zone that fails any of these is not served, so none of its records count.
 */
import { error, ok, text, type FeedbackLine } from '../feedback.js';
import type { ParsedZone } from './zoneRecord.js';
import { bare, type ZoneView } from './zoneView.js';

export function checkApex(view: ZoneView, parsed: ParsedZone, origin: string): FeedbackLine[] {
  const lines: FeedbackLine[] = [];
  const soa = view.at(origin, 'SOA');
  const ns = view.at(origin, 'NS');
  const example = `@ IN SOA ns1.${origin} hostmaster.${origin} 1 3600 600 604800 300`;
  if (soa.length === 0) {
    lines.push(
      error(
        'zone.no-soa',
        text(`The zone has no SOA record at ${origin}${ns.length ? '' : ' (and no NS record)'}: BIND refuses to load a zone file without its SOA, so nothing in it would be served.`, `区域在 ${origin} 没有 SOA 记录${ns.length ? '' : '（也没有 NS 记录）'}：缺少 SOA 的区域文件 BIND 拒绝加载，里面的记录一条也不会生效。`),
        text(`Start the zone with "${example}"${ns.length ? '' : ` and "@ IN NS ns1.${origin}"`}.`, `在区域开头写 "${example}"${ns.length ? '' : ` 和 "@ IN NS ns1.${origin}"`}。`),
      ),
    );
  } else if (soa.length > 1) {
    lines.push(error('zone.soa-multiple', text(`The zone has ${soa.length} SOA records (lines ${soa.map((r) => r.line).join(', ')}): a zone has exactly one, and BIND refuses the file ("multiple RRs of singleton type").`, `区域有 ${soa.length} 条 SOA 记录（第 ${soa.map((r) => r.line).join('、')} 行）：一个区域只能有一条，BIND 会拒绝加载（"multiple RRs of singleton type"）。`), text('Keep one SOA and raise its serial number when you change the zone.', '只保留一条 SOA，修改区域时增大它的序列号。')));
  } else if (ns.length === 0) {
    lines.push(error('zone.no-ns', text(`The zone has an SOA but no NS record at ${origin}: BIND refuses a zone without name servers ("has no NS records").`, `区域有 SOA 但在 ${origin} 没有 NS 记录：没有名字服务器的区域 BIND 拒绝加载（"has no NS records"）。`), text(`Add "@ IN NS ns1.${origin}" and give ns1 an A record.`, `添加 "@ IN NS ns1.${origin}"，并给 ns1 一条 A 记录。`)));
  }
  for (const r of ns) {
    const inZone = r.target === origin || r.target!.endsWith(`.${origin}`);
    if (inZone && view.addresses(r.target!).length === 0) {
      lines.push(error('zone.ns-no-address', text(`Line ${r.line}: the name server ${bare(r.target!)} is inside this zone but has no A or AAAA record: BIND refuses the zone ("has no address records"), and resolvers could not reach it anyway.`, `第 ${r.line} 行：名字服务器 ${bare(r.target!)} 在本区域内，却没有 A 或 AAAA 记录：BIND 会拒绝加载（"has no address records"），解析器也找不到它。`), text(`Add "${r.target} IN A <address>" (the glue for your name server).`, `添加 "${r.target} IN A <地址>"（名字服务器的胶水记录）。`)));
    }
  }
  if (parsed.untimedLine !== undefined) {
    lines.push(error('zone.no-ttl', text(`Line ${parsed.untimedLine}: this record has no TTL, and neither a $TTL line nor an earlier record gives one: BIND rejects the zone ("no TTL specified").`, `第 ${parsed.untimedLine} 行：这条记录没有 TTL，前面既没有 $TTL 行也没有别的记录提供：BIND 会拒绝加载（"no TTL specified"）。`), text('Put "$TTL 3600" on the first line of the zone.', '在区域第一行写 "$TTL 3600"。')));
  }
  if (lines.length === 0) lines.push(ok('zone.apex', `The zone has its SOA and NS records: BIND can load it.`, `区域有 SOA 和 NS 记录：BIND 可以加载它。`));
  return lines;
}
