#!/usr/bin/env node
// Builds the lesson site (site/, lessons/, exercises/ -> dist/) quietly and prints a one-line
// summary. With --if-changed (what `npm start` uses) it builds only when the site's sources
// changed since the last build, so a second start takes seconds instead of minutes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stampFile = join(root, 'node_modules', '.cache', 'maillab', 'site-build.json');

/** Every file under a directory, recursively. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
const CODE = new Set(['.ts', '.mjs', '.js', '.astro', '.svelte']);

/** The lab-server modules the site imports (services, grading types), followed transitively. */
function importedFromOutside(start) {
  const found = new Set();
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.pop();
    if (!CODE.has(extname(file))) continue;
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const base = resolve(dirname(file), spec);
      const target = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`].find((p) => existsSync(p) && statSync(p).isFile());
      if (!target || target.startsWith(join(root, 'site')) || found.has(target)) continue;
      found.add(target);
      queue.push(target);
    }
  }
  return [...found];
}

/** A hash of everything the built site is made from. */
function sourceHash() {
  const own = [
    ...['site', 'lessons', 'exercises'].flatMap((d) => filesUnder(join(root, d))),
    ...['astro.config.mjs', 'tsconfig.json', 'package-lock.json'].map((f) => join(root, f)).filter(existsSync),
  ];
  const files = [...new Set([...own, ...importedFromOutside(own)])].sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return { hash: hash.digest('hex'), files: files.length };
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

const ifChanged = process.argv.includes('--if-changed');
const sources = sourceHash();
const stamp = readStamp();
if (ifChanged && stamp?.hash === sources.hash && existsSync(join(dist, 'index.html'))) {
  console.log(`Site up to date: ${sources.files} source files unchanged since its build of ${stamp.builtAt}. (npm run build rebuilds it.)`);
  process.exit(0);
}

console.log(stamp && ifChanged ? 'The site sources changed: building the site…' : 'Building the site (about a minute)…');
const started = Date.now();
const { build } = await import('astro');
try {
  // A cold content cache: with a warm one Astro 5 warns "Duplicate id" for every lesson edited
  // since the last build (fixed in Astro 6); `force` would clear it too, with a warning of its own.
  rmSync(join(root, 'node_modules', '.astro', 'data-store.json'), { force: true });
  await build({ root, logLevel: 'warn' });
} catch (err) {
  console.error(`The site build failed: ${err?.message ?? err}`);
  process.exit(1);
}
const pages = filesUnder(dist).filter((f) => f.endsWith('.html'));
const bytes = filesUnder(dist).reduce((sum, f) => sum + statSync(f).size, 0);
mkdirSync(dirname(stampFile), { recursive: true });
writeFileSync(stampFile, JSON.stringify({ hash: sources.hash, builtAt: new Date().toISOString() }) + '\n');
console.log(`Site built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${pages.length} pages, ${(bytes / 1048576).toFixed(1)} MB in dist/.`);
