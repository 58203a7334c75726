/**
 * doveconf 2.3's namespace checks (namespace_settings_check): a separator of one character, and
 * alias_for naming the prefix of another namespace that is no alias itself. Dovecot checks the
 * namespaces each filter sees: its own, then those of every filter that matches it (the top
 * level's last), a namespace of the same name merged into the first one seen with the more
 * specific values kept; an unnamed "namespace {" is always a namespace of its own.
 * tests/unit/dovecot-checks.test.ts asks the real doveconf.
 */
import { text, type Text } from '../feedback.js';
import { bySpecificity, filterMatches, filterOf, isFilterLabel, type DovecotFilter } from './dovecotFilters.js';

interface DovecotSetting {
  key: string;
  value: string;
  line: number;
  path: readonly string[];
}

interface DovecotSection {
  name: string;
  arg?: string;
  line: number;
  path: readonly string[];
}

export interface SectionProblem {
  setting: DovecotSetting | undefined;
  line: number;
  said: string;
  next: Text;
}

/** A namespace as one filter sees it: the values of its sections, the more specific filter's first. */
interface Namespace {
  name: string | undefined;
  line: number;
  layers: ReadonlyArray<ReadonlyMap<string, DovecotSetting>>;
  prefix: string;
  separator: DovecotSetting | undefined;
  /** alias_for, unless the namespace is disabled. */
  alias: DovecotSetting | undefined;
}

function namespaceOf(name: string | undefined, line: number, layers: ReadonlyArray<ReadonlyMap<string, DovecotSetting>>): Namespace {
  const get = (key: string): DovecotSetting | undefined => layers.find((l) => l.has(key))?.get(key);
  const alias = get('disabled')?.value === 'yes' ? undefined : get('alias_for');
  return { name, line, layers, prefix: get('prefix')?.value ?? '', separator: get('separator'), alias };
}

const label = (x: DovecotSection): string => (x.arg !== undefined ? `${x.name} ${x.arg}` : x.name);

/**
 * Each section's own settings (not its subsections'), as doveconf merges them: sections of one
 * name at one level are one section, the later line winning ("mailbox Sent {" twice), but two
 * unnamed ones ("passdb {", "namespace {") are two, though their settings share a path. One
 * pass: settings and sections are in the order of their lines, and sections with one path never
 * overlap.
 */
export function sectionSettings<S extends DovecotSetting, X extends DovecotSection>(settings: readonly S[], sections: readonly X[]): Map<X, Map<string, S>> {
  const out = new Map<X, Map<string, S>>();
  // A section by its place: the section it stands in (as merged), then its own label.
  const ids = new Map<Map<string, S>, number>();
  const named = new Map<string, Map<string, S>>();
  const open = new Map<string, Map<string, S>>();
  let next = 0;
  const enter = (x: X): void => {
    const parent = x.path.length ? open.get(x.path.join('\n')) : undefined;
    const place = `${parent ? ids.get(parent) : ''}\n${label(x)}`;
    const set = (x.arg !== undefined ? named.get(place) : undefined) ?? new Map<string, S>();
    if (!ids.has(set)) ids.set(set, ids.size + 1);
    if (x.arg !== undefined) named.set(place, set);
    out.set(x, set);
    open.set([...x.path, label(x)].join('\n'), set);
  };
  for (const s of settings) {
    for (; next < sections.length && sections[next]!.line < s.line; next++) enter(sections[next]!);
    if (s.path.length) open.get(s.path.join('\n'))?.set(s.key, s);
  }
  for (; next < sections.length; next++) enter(sections[next]!);
  return out;
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
    const chained = target?.layers.find((l) => l.has('alias_for'))?.get('alias_for');
    if (!target) push({ setting: alias, line, said: `Namespace '${prefix}': alias_for points to unknown namespace: ${alias.value}`, next: text('alias_for names another namespace by its prefix, as written there (at the top level, or in the protocol, local or remote section this one stands in); write that prefix, or remove alias_for.', 'alias_for 用另一个命名空间的 prefix（原样照写）指向它（顶层的，或者这个命名空间所在的 protocol、local、remote 段落里的）；请写那个 prefix，或者删掉 alias_for。') });
    else if (chained) push({ setting: alias, line, said: `Namespace '${prefix}': alias_for chaining isn't allowed: ${alias.value} -> ${chained.value}`, next: text('Point alias_for at the namespace the other one is an alias for.', '让 alias_for 直接指向另一个命名空间所指的那个命名空间。') });
  }
}

interface FilterNamespaces {
  filter: DovecotFilter;
  /** The filter's own namespaces, in the order of the file. */
  namespaces: Namespace[];
  names: Set<string>;
}

/** What doveconf says of the namespaces each filter (and the top level) sees. */
export function namespaceProblems<S extends DovecotSetting, X extends DovecotSection>(sections: readonly X[], own: ReadonlyMap<X, ReadonlyMap<string, S>>): SectionProblem[] {
  const groups = new Map<string, FilterNamespaces>([['', { filter: {}, namespaces: [], names: new Set() }]]);
  const group = (path: readonly string[]): FilterNamespaces => {
    const key = path.join('\n');
    if (!groups.has(key)) groups.set(key, { filter: filterOf(path), namespaces: [], names: new Set() });
    return groups.get(key)!;
  };
  for (const x of sections) {
    if (!x.path.every(isFilterLabel)) continue;
    if (isFilterLabel(label(x))) group([...x.path, label(x)]);
    else if (x.name === 'namespace') {
      const g = group(x.path);
      // Sections of one name share their settings (sectionSettings): the first one's place stands.
      if (x.arg !== undefined && g.names.has(x.arg)) continue;
      if (x.arg !== undefined) g.names.add(x.arg);
      g.namespaces.push(namespaceOf(x.arg, x.line, [own.get(x) ?? new Map()]));
    }
  }
  // The most specific first, once: a stable sort, so each filter's matches keep this order.
  const holding = [...groups.values()]
    .filter((g) => g.namespaces.length > 0)
    .sort((a, b) => bySpecificity(a.filter, b.filter))
    .map((g, index) => ({ ...g, index }));
  const out: SectionProblem[] = [];
  const said: Said = new Set();
  const checked = new Set<string>();
  for (const { filter } of groups.values()) {
    const seen = holding.filter((g) => filterMatches(g.filter, filter));
    // Filters that see the same namespaces are checked once.
    const key = seen.map((g) => g.index).join(',');
    if (checked.has(key)) continue;
    checked.add(key);
    const namespaces: Namespace[] = [];
    const byName = new Map<string, number>();
    // Layers of the namespaces a less specific filter names again, by their place.
    const merged = new Map<number, Array<ReadonlyMap<string, DovecotSetting>>>();
    for (const g of seen) {
      for (const n of g.namespaces) {
        const at = n.name === undefined ? undefined : byName.get(n.name);
        if (at === undefined) {
          if (n.name !== undefined) byName.set(n.name, namespaces.length);
          namespaces.push(n);
        } else if (merged.has(at)) merged.get(at)!.push(...n.layers);
        else merged.set(at, [...namespaces[at]!.layers, ...n.layers]);
      }
    }
    for (const [at, layers] of merged) namespaces[at] = namespaceOf(namespaces[at]!.name, namespaces[at]!.line, layers);
    checkNamespaces(namespaces, said, out);
  }
  return out;
}
