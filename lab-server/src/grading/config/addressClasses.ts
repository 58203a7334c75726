/**
 * Postfix's address classes (ADDRESS_CLASS_README): a domain is local (mydestination), virtual
 * alias, virtual mailbox or relay — exactly one. Listed in two, trivial-rewrite picks one by a
 * fixed precedence and warns "do not list domain X in BOTH A and B", for the pairs it checks.
 */
import { error, text, type FeedbackLine } from '../feedback.js';
import type { MainCf } from './mainCf.js';

/** In Postfix's order of precedence: the first list that names a domain decides its class. */
const CLASSES = ['mydestination', 'virtual_alias_domains', 'virtual_mailbox_domains', 'relay_domains'] as const;
/** The pairs trivial-rewrite warns about (mydestination with relay_domains is not one of them). */
const WARNED = new Set(['mydestination virtual_alias_domains', 'mydestination virtual_mailbox_domains', 'virtual_alias_domains virtual_mailbox_domains', 'virtual_alias_domains relay_domains', 'virtual_mailbox_domains relay_domains']);

const LABEL: Record<(typeof CLASSES)[number], { en: string; zh: string }> = {
  mydestination: { en: 'a local domain (UNIX accounts, local(8))', zh: '本地域名（系统账户，local(8)）' },
  virtual_alias_domains: { en: 'a virtual alias domain (every address must be an alias, else "User unknown")', zh: '虚拟别名域（每个地址都必须是别名，否则 "User unknown"）' },
  virtual_mailbox_domains: { en: 'a virtual mailbox domain', zh: '虚拟邮箱域' },
  relay_domains: { en: 'a relay domain (forwarded to another server)', zh: '中继域（转发给另一台服务器）' },
};

export function classConflicts(cf: MainCf): FeedbackLine[] {
  const lines: FeedbackLine[] = [];
  const lists = CLASSES.map((name) => ({ name, domains: cf.list(name).map((d) => d.toLowerCase()).filter((d) => !d.includes(':') && !d.startsWith('/')) }));
  const reported = new Set<string>();
  for (let i = 0; i < lists.length; i++) {
    for (let j = i + 1; j < lists.length; j++) {
      const a = lists[i]!;
      const b = lists[j]!;
      if (!WARNED.has(`${a.name} ${b.name}`)) continue;
      for (const domain of a.domains.filter((d) => b.domains.includes(d) && !reported.has(d))) {
        reported.add(domain);
        lines.push(
          error(
            'postfix.class-conflict',
            text(
              `${domain} is in ${a.name} AND ${b.name}. A domain belongs to exactly one address class: Postfix warns "do not list domain ${domain} in BOTH ${a.name} and ${b.name}" and treats it as ${LABEL[a.name].en}.`,
              `${domain} 同时出现在 ${a.name} 和 ${b.name} 中。一个域名只能属于一种地址类别：Postfix 会警告 "do not list domain ${domain} in BOTH ${a.name} and ${b.name}"，并把它当作${LABEL[a.name].zh}。`,
            ),
            text(`Decide what ${domain} is and list it in that one parameter only; remove it from ${a.name === 'mydestination' ? 'mydestination (e.g. "mydestination = localhost")' : a.name}${a.name === 'mydestination' ? '' : ` or ${b.name}`}.`, `想清楚 ${domain} 属于哪一类，只在那一个参数里列出它；从 ${a.name === 'mydestination' ? 'mydestination 中删掉它（例如 "mydestination = localhost"）' : `${a.name} 或 ${b.name} 中删掉它`}。`),
          ),
        );
      }
    }
  }
  return lines;
}
