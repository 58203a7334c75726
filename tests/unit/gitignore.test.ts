/**
 * What git must never pick up with `git add -A`: installed packages, the built site, a lab's
 * data, Astro's cache, whether each is a directory or a symlink to one (a worktree's
 * node_modules and dist are often links to another checkout's).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('.gitignore', () => {
  it('ignores node_modules, dist, data and .astro as symlinks too', () => {
    // A scratch directory inside the repository, holding symlinks by those names.
    const dir = mkdtempSync(join(process.cwd(), 'tests', '.gitignore-'));
    try {
      const names = ['node_modules', 'dist', 'data', '.astro'];
      for (const name of names) symlinkSync('/tmp', join(dir, name));
      const paths = names.map((n) => join(dir, n).slice(process.cwd().length + 1));
      const ignored = execFileSync('git', ['check-ignore', ...paths], { encoding: 'utf8' }).trim().split('\n');
      expect(ignored).toEqual(paths);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
