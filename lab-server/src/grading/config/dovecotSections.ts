/**
 * A dovecot.conf's sections as doveconf 2.3 merges them before its checks: which settings belong
 * to which section (sections of one name at one level are one; unnamed ones are each their own),
 * and the sections of one kind (namespace, metric, event_exporter) each filter sees: its own,
 * then those of every filter that matches it (dovecotFilters.ts), the top level's last, one of the
 * same name merged into the first one seen with the more specific values kept.
 */
import { bySpecificity, filterMatches, filterOf, isFilterLabel, type DovecotFilter } from './dovecotFilters.js';
import type { IncludedPlace } from './dovecotIncludes.js';

export interface DovecotSetting {
  key: string;
  value: string;
  line: number;
  path: readonly string[];
  /** Read from a file an `!include` names. */
  included?: IncludedPlace;
}

export interface DovecotSection {
  name: string;
  arg?: string;
  line: number;
  path: readonly string[];
}

type Layers = ReadonlyArray<ReadonlyMap<string, DovecotSetting>>;

/** A section as one filter sees it: the values of its sections, the more specific filter's first. */
export interface ListSection {
  name: string | undefined;
  line: number;
  layers: Layers;
}

/** A setting's value as a merged section holds it. */
export const valueIn = (layers: Layers, key: string): DovecotSetting | undefined => layers.find((l) => l.has(key))?.get(key);

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

interface FilterSections<T> {
  filter: DovecotFilter;
  /** The filter's own sections of the kind, in the order of the file. */
  list: T[];
  names: Set<string>;
}

/**
 * Each distinct view the filters (and the top level) have of the sections called `kind`, made
 * by `make` (which may read their values once). Filters that see the same sections share one view:
 * a file of a thousand filters costs a view per distinct set, not one per pair.
 */
export function filterViews<T extends ListSection, X extends DovecotSection>(sections: readonly X[], own: ReadonlyMap<X, ReadonlyMap<string, DovecotSetting>>, kind: string, make: (name: string | undefined, line: number, layers: Layers) => T): T[][] {
  const groups = new Map<string, FilterSections<T>>([['', { filter: {}, list: [], names: new Set() }]]);
  const group = (path: readonly string[]): FilterSections<T> => {
    const key = path.join('\n');
    if (!groups.has(key)) groups.set(key, { filter: filterOf(path), list: [], names: new Set() });
    return groups.get(key)!;
  };
  for (const x of sections) {
    if (!x.path.every(isFilterLabel)) continue;
    if (isFilterLabel(label(x))) group([...x.path, label(x)]);
    else if (x.name === kind) {
      const g = group(x.path);
      // Sections of one name share their settings (sectionSettings): the first one's place stands.
      if (x.arg !== undefined && g.names.has(x.arg)) continue;
      if (x.arg !== undefined) g.names.add(x.arg);
      g.list.push(make(x.arg, x.line, [own.get(x) ?? new Map()]));
    }
  }
  // The most specific first, once: a stable sort, so each filter's matches keep this order.
  const holding = [...groups.values()]
    .filter((g) => g.list.length > 0)
    .sort((a, b) => bySpecificity(a.filter, b.filter))
    .map((g, index) => ({ ...g, index }));
  const views: T[][] = [];
  const seenSets = new Set<string>();
  for (const { filter } of groups.values()) {
    const seen = holding.filter((g) => filterMatches(g.filter, filter));
    const key = seen.map((g) => g.index).join(',');
    if (seenSets.has(key)) continue;
    seenSets.add(key);
    const view: T[] = [];
    const byName = new Map<string, number>();
    // Layers of the sections a less specific filter names again, by their place.
    const merged = new Map<number, Array<ReadonlyMap<string, DovecotSetting>>>();
    for (const g of seen) {
      for (const n of g.list) {
        const at = n.name === undefined ? undefined : byName.get(n.name);
        if (at === undefined) {
          if (n.name !== undefined) byName.set(n.name, view.length);
          view.push(n);
        } else if (merged.has(at)) merged.get(at)!.push(...n.layers);
        else merged.set(at, [...view[at]!.layers, ...n.layers]);
      }
    }
    for (const [at, layers] of merged) view[at] = make(view[at]!.name, view[at]!.line, layers);
    views.push(view);
  }
  return views;
}
