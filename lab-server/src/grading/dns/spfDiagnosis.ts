/**
 * Why an SPF record gives "permerror" although every term is spelt right: the record is walked
 * as a receiver walks it (RFC 7208 §4.6, §5.2, §6.1) against the exercise's zone, counting the
 * lookups that find nothing (more than two is a permanent error, §4.6.4) and following
 * include: and redirect= to domains that must have a policy of their own.
 */
import { error, text, type FeedbackLine } from '../feedback.js';
import { parseSpf } from './spf.js';
import { txtValue } from './zoneRecord.js';
import { bare, fqdn, type ZoneView } from './zoneView.js';

const MAX_VOID = 2;

function spfRecordOf(view: ZoneView, domain: string): string | undefined {
  const found = view.at(domain, 'TXT').map(txtValue).filter((v) => /^v=spf1(\s|$)/i.test(v));
  return found.length === 1 ? found[0] : undefined;
}

/** The first cause found, as a feedback line, or undefined when none of these explains it. */
export function diagnosePermerror(view: ZoneView, domain: string, seen = new Set<string>()): FeedbackLine | undefined {
  const voids: string[] = [];
  const walk = (current: string): FeedbackLine | undefined => {
    if (seen.has(current)) return undefined;
    seen.add(current);
    const record = spfRecordOf(view, current);
    if (!record) return undefined;
    const { terms } = parseSpf(record);
    for (const term of terms) {
      if (term.kind !== 'mechanism') continue;
      if (term.name === 'all') return undefined;
      const target = fqdn(term.value && !term.value.includes('%') ? term.value : current);
      if (term.name === 'include') {
        if (!spfRecordOf(view, target)) return targetWithoutPolicy('include', term.raw, target, current);
        const inner = walk(target);
        if (inner) return inner;
      } else if (term.name === 'a' && view.addresses(target).length === 0) voids.push(term.value ? term.raw : `${term.raw} (${bare(target)})`);
      else if (term.name === 'mx' && view.at(target, 'MX').some((r) => r.target === '.')) return mxMeetsNullMx(term.raw, target);
      else if (term.name === 'mx' && view.at(target, 'MX').length === 0) voids.push(term.value ? term.raw : `${term.raw} (${bare(target)})`);
      else if (term.name === 'exists' && !term.value?.includes('%') && view.addresses(target).length === 0) voids.push(term.value ? term.raw : `${term.raw} (${bare(target)})`);
      if (voids.length > MAX_VOID) return tooManyVoids(voids);
    }
    const redirect = terms.find((t) => t.name === 'redirect');
    if (redirect?.value) {
      const target = fqdn(redirect.value);
      if (!spfRecordOf(view, target)) return targetWithoutPolicy('redirect', redirect.raw, target, current);
      return walk(target);
    }
    return undefined;
  };
  return walk(fqdn(domain));
}

function targetWithoutPolicy(kind: 'include' | 'redirect', raw: string, target: string, from: string): FeedbackLine {
  return error(
    `spf.${kind}-none`,
    text(
      `"${raw}" in the policy of ${bare(from)} points at ${bare(target)}, which publishes no SPF record: receivers stop with "permerror" (RFC 7208 §${kind === 'include' ? '5.2' : '6.1'}), whoever the sender is.`,
      `${bare(from)} 的策略中的 "${raw}" 指向 ${bare(target)}，但那里没有 SPF 记录：接收方会以 "permerror" 结束（RFC 7208 §${kind === 'include' ? '5.2' : '6.1'}），不管发件方是谁。`,
    ),
    text(`Publish "v=spf1 ... -all" at ${bare(target)}, or remove the ${kind === 'include' ? 'include:' : 'redirect='} and list the senders directly.`, `在 ${bare(target)} 发布 "v=spf1 ... -all"，或者去掉 ${kind === 'include' ? 'include:' : 'redirect='}，直接列出发件服务器。`),
  );
}

function tooManyVoids(voids: string[]): FeedbackLine {
  return error(
    'spf.void-lookups',
    text(
      `These terms look up names that have no such records: ${voids.join(', ')}. More than ${MAX_VOID} lookups that find nothing make the whole record a "permerror" (RFC 7208 §4.6.4), so even the listed servers do not pass.`,
      `这些项查询的名字没有对应记录：${voids.join('、')}。超过 ${MAX_VOID} 次查询落空，整条记录就是 "permerror"（RFC 7208 §4.6.4），连列出的服务器也不会通过。`,
    ),
    text('Remove the terms for hosts that no longer exist (or give those names their records); the other mechanisms stay as they are.', '删掉指向已不存在主机的项（或给这些名字补上记录）；其余机制保持不变。'),
  );
}

function mxMeetsNullMx(raw: string, target: string): FeedbackLine {
  return error(
    'spf.mx-null',
    text(`"${raw}" asks for the MX hosts of ${bare(target)}, and one of them is the null MX ".", which is no host: receivers stop with "permerror".`, `"${raw}" 要查 ${bare(target)} 的 MX 主机，其中一条是空 MX "."，它不是主机：接收方会以 "permerror" 结束。`),
    text('Remove the null MX (a domain that receives mail has only real MX hosts); the mx mechanism then works.', '删掉空 MX（收邮件的域名只有真正的 MX 主机）；mx 机制就能正常工作。'),
  );
}
