/**
 * The lab server's import graph, read with TypeScript's own pre-parser (static, type-only and
 * dynamic imports alike): no module cycle, and no lower layer importing a higher one. The
 * layers, top to bottom (bin/maillab.mjs sits above them all):
 *   cli → lab (the wiring) → classroom/bridge/http/cluster → smtp/mta/inspector →
 *   dns/pop3/imap → grading/net/maildir → world → store/log/tls/files and the other leaves.
 * Today's exceptions are listed below, each with why; one no longer needed fails the test, so
 * the list only shrinks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../lab-server/src');

/** Path prefixes (relative to lab-server/src) per layer, highest first; the longest prefix wins. */
const LAYERS: string[][] = [
  ['cli.ts', 'cli/'],
  ['lab.ts', 'lab/'],
  ['classroom/', 'bridge/', 'http/', 'cluster/'],
  ['smtp/', 'mta/', 'inspector/'],
  ['dns/', 'pop3/', 'imap/'],
  ['grading/', 'net/', 'maildir/'],
  ['world/'],
  // Leaves every layer may use: storage, logs, TLS, files, quotas, metrics, worker threads,
  // limits, the service list, and the bilingual words every message is made of.
  ['store/', 'log.ts', 'tls/', 'files/', 'quota/', 'operations/', 'workers/', 'limits.ts', 'services.ts', 'feedbackLine.ts'],
];

/** Imports that go up a layer, "from -> to", each with why it is still there (none today). */
const UPWARD: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** file -> the lab-server files it imports (relative names). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const path of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => relative(SRC, resolve(dirname(path), name.replace(/\.js$/, '.ts'))));
    graph.set(relative(SRC, path), [...new Set(targets)]);
  }
  return graph;
}

function layerOf(file: string): number {
  let best = { layer: -1, length: 0 };
  LAYERS.forEach((prefixes, layer) => {
    for (const p of prefixes) if ((file === p || file.startsWith(p)) && p.length > best.length) best = { layer, length: p.length };
  });
  return best.layer;
}

/** Strongly connected components with more than one file (Tarjan), each sorted. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the lab server\'s layering', () => {
  const graph = importGraph();

  it('reads the whole source tree, and places every file in a layer', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect([...graph.keys()].filter((f) => layerOf(f) < 0)).toEqual([]);
    // Every relative import resolves to a file of the tree: the graph misses nothing.
    const dangling = [...graph].flatMap(([from, tos]) => tos.filter((to) => !graph.has(to)).map((to) => `${from} -> ${to}`));
    expect(dangling).toEqual([]);
  });

  it('has no module cycle', () => {
    expect(cycles(graph).map((c) => c.join(' '))).toEqual([]);
  });

  it('never lets a lower layer import a higher one, but for the listed exceptions', () => {
    const upward = [...graph].flatMap(([from, tos]) => tos.filter((to) => layerOf(to) < layerOf(from)).map((to) => `${from} -> ${to}`));
    expect(upward.filter((edge) => !(edge in UPWARD))).toEqual([]);
    // An exception that is no longer needed goes from the list.
    expect(Object.keys(UPWARD).filter((edge) => !upward.includes(edge))).toEqual([]);
  });

  it('finds a cycle and an upward import when there is one (the checks can fail)', () => {
    const planted = new Map([...graph, ['world/a.ts', ['world/b.ts']], ['world/b.ts', ['world/a.ts', 'http/server.ts']]]);
    expect(cycles(planted).map((c) => c.join(' '))).toContain('world/a.ts world/b.ts');
    expect(layerOf('http/server.ts')).toBeLessThan(layerOf('world/b.ts'));
  });
});
