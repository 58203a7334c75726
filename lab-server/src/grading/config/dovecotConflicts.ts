/**
 * doveconf 2.3's "Conflict in setting X found from filter at F:N" (config_filter_parsers_get in
 * config-filter.c): for each filter in the file, the filters that match it are applied the most
 * specific first; when one is not a superset of the one before it (config_filter_is_superset:
 * it names a network, a local_name or a protocol the one before does not), a setting both set is
 * a conflict, even with the same value. So "protocol imap { x }" beside "remote 10.0.0.0/8 {
 * protocol imap { x } }" is refused (the empty "remote 10.0.0.0/8" filter stands between them),
 * while beside "remote 10.0.0.0/8 { x }" it is taken (no filter is both). The top level never
 * conflicts. tests/unit/dovecot-checks.test.ts asks the real doveconf.
 */
import { text, type Text } from '../feedback.js';
import { bySpecificity, filterMatches, filterOf, isFilterLabel, type DovecotFilter } from './dovecotFilters.js';
import { placeOf, type IncludedPlace } from './dovecotIncludes.js';

interface Written {
  key: string;
  value: string;
  line: number;
  path: readonly string[];
  included?: IncludedPlace;
}

interface Section {
  name: string;
  arg?: string;
  line: number;
  path: readonly string[];
  included?: IncludedPlace;
}

interface Holder {
  filter: DovecotFilter;
  /** Where the filter was first opened (doveconf names that line). */
  line: number;
  settings: Map<string, Written>;
}

/** config_filter_is_superset: `sup` names nothing `filter` does not. */
function isSuperset(sup: DovecotFilter, filter: DovecotFilter): boolean {
  if ((sup.local?.bits ?? 0) > (filter.local?.bits ?? 0)) return false;
  if ((sup.remote?.bits ?? 0) > (filter.remote?.bits ?? 0)) return false;
  if (sup.localName !== undefined && filter.localName === undefined) return false;
  return !(sup.service !== undefined && filter.service === undefined);
}

type Conflict = { line: number; key: string; said: string; next: Text; included?: IncludedPlace };

export function filterConflicts(settings: readonly Written[], sections: readonly Section[]): Conflict[] {
  const holders = new Map<string, Holder>();
  for (const x of sections) {
    const path = [...x.path, x.arg ? `${x.name} ${x.arg}` : x.name];
    if (!path.every(isFilterLabel)) continue;
    const key = path.join('\n');
    if (!holders.has(key)) holders.set(key, { filter: filterOf(path), line: x.line, settings: new Map() });
  }
  for (const s of settings) holders.get(s.path.join('\n'))?.settings.set(s.key, s);
  // A namespace of one name opened in both is a change of its "name" (doveconf: "Conflict in setting name").
  for (const x of sections) if (x.name === 'namespace' && x.arg) holders.get(x.path.join('\n'))?.settings.set(`namespace ${x.arg}`, { key: 'name', value: x.arg, line: x.line, path: x.path, ...placeOf(x) });
  const all = [...holders.values()];
  const out: Conflict[] = [];
  // Every filter is looked up: dovecotConf.ts judges no file of more than MAX_FILTERS (100), 10,000 matches at most.
  for (const wanted of all) {
    // The file's order among equals, as doveconf keeps its filters.
    const matches = all.filter((h) => filterMatches(h.filter, wanted.filter)).sort((a, b) => bySpecificity(a.filter, b.filter));
    const changed = new Set<string>();
    matches.forEach((h, i) => {
      const checked = i > 0 && !isSuperset(h.filter, matches[i - 1]!.filter);
      for (const [key, s] of h.settings) {
        if (checked && changed.has(key)) {
          out.push({
            line: s.line,
            ...placeOf(s),
            key,
            said: `Conflict in setting ${s.key} found from filter at dovecot.conf:${h.line}`,
            next: text(
              `Two filters that both apply to one connection ${key.startsWith('namespace ') ? `open "${key} { }"` : `set ${key}`}, and neither holds the other, so doveconf will not choose. Keep it in one of them only, or at the top level.`,
              `两个同时适用于同一连接的过滤段都${key.startsWith('namespace ') ? `写了 "${key} { }"` : `设置了 ${key}`}，而且互不包含，doveconf 不会替你选择。只在其中一个里保留它，或者写在顶层。`,
            ),
          });
        }
        changed.add(key);
      }
    });
  }
  return out;
}
