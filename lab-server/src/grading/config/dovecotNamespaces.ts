/**
 * doveconf 2.3's namespace checks (namespace_settings_check): a separator of one character, and
 * alias_for naming the prefix of another namespace that is no alias itself, in the namespaces each
 * filter sees (dovecotSections.ts).
 * tests/unit/dovecot-checks.test.ts asks the real doveconf.
 */
import { text, type Text } from '../feedback.js';
import { filterViews, valueIn, type DovecotSection, type DovecotSetting, type ListSection } from './dovecotSections.js';

export interface SectionProblem {
  setting: DovecotSetting | undefined;
  /** What the message names when no setting is written (a section's missing name or value). */
  key?: string;
  line: number;
  said: string;
  next: Text;
}

interface Namespace extends ListSection {
  prefix: string;
  separator: DovecotSetting | undefined;
  /** alias_for, unless the namespace is disabled. */
  alias: DovecotSetting | undefined;
}

function namespaceOf(name: string | undefined, line: number, layers: ListSection['layers']): Namespace {
  const alias = valueIn(layers, 'disabled')?.value === 'yes' ? undefined : valueIn(layers, 'alias_for');
  return { name, line, layers, prefix: valueIn(layers, 'prefix')?.value ?? '', separator: valueIn(layers, 'separator'), alias };
}

/** Problems said already (each filter that sees a namespace would say them again). */
type Said = Set<string>;

function checkNamespaces(namespaces: readonly Namespace[], said: Said, out: SectionProblem[]): void {
  const push = (p: SectionProblem): void => {
    if (said.has(p.said)) return;
    said.add(p.said);
    out.push(p);
  };
  // The first namespace of a prefix is the one alias_for finds.
  let byPrefix: Map<string, Namespace> | undefined;
  for (const n of namespaces) {
    const { line, prefix, separator, alias } = n;
    if (separator && Buffer.byteLength(separator.value) > 1) push({ setting: separator, line, said: `Namespace '${prefix}': Hierarchy separator must be only one character long`, next: text('Write one character, e.g. "separator = /" or "separator = .".', '请写一个字符，例如 "separator = /" 或 "separator = ."。') });
    if (!alias) continue;
    if (!byPrefix) {
      byPrefix = new Map();
      for (const m of namespaces) if (!byPrefix.has(m.prefix)) byPrefix.set(m.prefix, m);
    }
    const target = byPrefix.get(alias.value);
    const chained = target && valueIn(target.layers, 'alias_for');
    if (!target) push({ setting: alias, line, said: `Namespace '${prefix}': alias_for points to unknown namespace: ${alias.value}`, next: text('alias_for names another namespace by its prefix, as written there (at the top level, or in the protocol, local or remote section this one stands in); write that prefix, or remove alias_for.', 'alias_for 用另一个命名空间的 prefix（原样照写）指向它（顶层的，或者这个命名空间所在的 protocol、local、remote 段落里的）；请写那个 prefix，或者删掉 alias_for。') });
    else if (chained) push({ setting: alias, line, said: `Namespace '${prefix}': alias_for chaining isn't allowed: ${alias.value} -> ${chained.value}`, next: text('Point alias_for at the namespace the other one is an alias for.', '让 alias_for 直接指向另一个命名空间所指的那个命名空间。') });
  }
}

/** What doveconf says of the namespaces each filter (and the top level) sees. */
export function namespaceProblems<X extends DovecotSection>(sections: readonly X[], own: ReadonlyMap<X, ReadonlyMap<string, DovecotSetting>>): SectionProblem[] {
  const out: SectionProblem[] = [];
  const said: Said = new Set();
  for (const view of filterViews(sections, own, 'namespace', namespaceOf)) checkNamespaces(view, said, out);
  return out;
}
