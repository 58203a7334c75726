/**
 * Checks a zone file the way `named-checkzone` would before the lab DNS loads it, with the
 * parser the graders use: syntax (with line numbers), a SOA and NS at the apex, no data
 * outside the zone, no CNAME next to other data, host names where BIND wants them and an
 * address for each name server inside the zone (grading/dns/hostNames.ts). Errors stop the zone from being saved (BIND
 * would refuse to load it); warnings are saved but shown (a missing trailing dot is legal, and
 * almost always a mistake).
 */
import { boundFeedback, error, hasErrors, text, warn, type FeedbackLine } from '../grading/feedback.js';
import type { ParsedZone } from '../grading/dns/zoneRecord.js';
import { loadExerciseZone } from '../grading/dns/zoneView.js';
import { checkApexNs, hasHostTarget, writtenAsAddress } from '../grading/dns/hostNames.js';

export interface ZoneCheck {
  ok: boolean;
  feedback: FeedbackLine[];
  parsed: ParsedZone;
}

/** Largest zone file the editor accepts. */
export const MAX_ZONE_BYTES = 64 * 1024;

export function checkZone(zone: string, source: string): ZoneCheck {
  const origin = `${zone}.`;
  if (Buffer.byteLength(source, 'utf8') > MAX_ZONE_BYTES) {
    return {
      ok: false,
      feedback: [error('zone.too-large', text(`The zone file is larger than ${MAX_ZONE_BYTES / 1024} KB.`, `区域文件超过了 ${MAX_ZONE_BYTES / 1024} KB。`), text('Remove records you do not need.', '删掉不需要的记录。'))],
      parsed: { records: [], problems: [], origin },
    };
  }
  const loaded = loadExerciseZone(source, origin);
  const feedback: FeedbackLine[] = loaded.feedback.map((f) => (f.code === 'zone.missing-trailing-dot' ? { ...f, level: 'warn' as const } : f));
  const records = loaded.answer.records;
  if (loaded.answer.problems.length === 0) {
    const soa = records.filter((r) => r.type === 'SOA');
    const apexSoa = soa.filter((r) => r.name === origin);
    if (apexSoa.length === 0) {
      feedback.push(
        error(
          'zone.no-soa',
          text(`The zone has no SOA record at ${origin}: BIND will not load a zone without one.`, `区域在 ${origin} 没有 SOA 记录：没有 SOA 的区域 BIND 不会加载。`),
          text(`Keep a line like "@ IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 604800 300" at the top.`, `在开头保留类似 "@ IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 604800 300" 的一行。`),
        ),
      );
    } else if (apexSoa.length > 1) {
      feedback.push(error('zone.many-soa', text(`The zone has ${apexSoa.length} SOA records; it must have exactly one.`, `区域有 ${apexSoa.length} 条 SOA 记录；只能有一条。`), text('Delete all but one SOA line.', '只保留一行 SOA。')));
    }
    for (const r of soa.filter((s) => s.name !== origin)) {
      feedback.push(error('zone.soa-not-apex', text(`Line ${r.line}: a SOA record belongs at the zone's apex (${origin}), not at ${r.name}.`, `第 ${r.line} 行：SOA 记录只能写在区域顶点（${origin}），不能写在 ${r.name}。`), text('Write its owner as "@".', '把它的名字写成 "@"。')));
    }
    if (!records.some((r) => r.type === 'NS' && r.name === origin)) {
      feedback.push(
        error(
          'zone.no-ns',
          text(`The zone has no NS record at ${origin}: BIND will not load a zone without one.`, `区域在 ${origin} 没有 NS 记录：没有 NS 的区域 BIND 不会加载。`),
          text('Keep "@ IN NS ns1.example.com.".', '保留 "@ IN NS ns1.example.com."。'),
        ),
      );
    }
    for (const r of records) {
      if (r.name !== origin && !r.name.endsWith(`.${origin}`)) {
        feedback.push(
          error(
            'zone.out-of-zone',
            text(`Line ${r.line}: ${r.name} is outside the zone ${origin}; BIND ignores such records ("out of zone data").`, `第 ${r.line} 行：${r.name} 不在区域 ${origin} 之内；BIND 会忽略这样的记录（out of zone data）。`),
            text(`Put records for ${r.name} into that name's own zone, or use a name that ends in ${origin}.`, `把 ${r.name} 的记录写到它自己的区域里，或者使用以 ${origin} 结尾的名字。`),
          ),
        );
      }
    }
    feedback.push(...checkApexNs(records, origin));
    for (const r of records.filter((x) => hasHostTarget(x) && writtenAsAddress(x.targetText))) {
      // An IPv4 address is a legal (if useless) host name; an IPv6 one is not, and BIND refuses the zone.
      const refused = r.targetText!.includes(':');
      feedback.push(
        (refused ? error : warn)(
          'zone.target-is-ip',
          text(
            `Line ${r.line}: ${r.type} must name a host, not an address: "${r.targetText}" ${refused ? 'is not a host name, so BIND refuses the zone' : 'is read as a host name'}.`,
            `第 ${r.line} 行：${r.type} 必须写主机名，不能写地址："${r.targetText}" ${refused ? '不是合法的主机名，BIND 会拒绝加载这个区域' : '会被当成主机名'}。`,
          ),
          text('Give the host an A record and put its name here.', '为主机写一条 A 记录，这里写它的名字。'),
        ),
      );
    }
  }
  return { ok: !hasErrors(feedback), feedback: boundFeedback(feedback), parsed: loaded.answer };
}
