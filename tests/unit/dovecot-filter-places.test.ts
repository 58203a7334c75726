/**
 * Where doveconf 2.3 lets settings stand and how it reads $protocols, beside the real doveconf
 * (the file-by-file comparison is dovecot-checks.test.ts): every top-level name inside a remote
 * filter (dovecotFilterPlaces.ts: only auth settings are refused there), and $protocols written
 * again and again (dovecotProtocols.ts: each word once, where the value once doubled per line).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { AUTH_SETTINGS } from '../../lab-server/src/grading/config/dovecotFilterPlaces.js';
import { dovecotProtocols, protocolsByPath } from '../../lab-server/src/grading/config/dovecotProtocols.js';
import { doveconf } from '../realtools/dovecot.js';
import { inPool, runTool } from '../realtools/process.js';

type DovecotSetting = Parameters<typeof dovecotProtocols>[0][number];

describe('doveconf on places and $protocols', () => {
  it('refuse every auth setting inside a remote filter, as doveconf does', { timeout: 120_000 }, async () => {
    // Each name with its default value (doveconf -a of an empty file), inside "remote 10.0.0.0/8 { }".
    const dir = await mkdtemp(join(tmpdir(), 'maillab-auth-names-'));
    try {
      await writeFile(join(dir, 'empty.conf'), '');
      const defaults = new Map<string, string>();
      for (const l of (await runTool('doveconf', ['-c', join(dir, 'empty.conf'), '-a'])).stdout.split('\n')) {
        const m = /^([a-z0-9_]+) = (.*)$/.exec(l);
        if (m) defaults.set(m[1]!, m[2]!);
      }
      expect(defaults.size).toBeGreaterThan(250);
      const names = [...defaults.keys()];
      const verdicts = await inPool(names, 4, async (name) => {
        const file = `remote 10.0.0.0/8 {\n  ${name} = ${defaults.get(name)}\n}`;
        const real = await doveconf(`${file}\n`);
        const refused = /Auth settings not supported inside local\/remote blocks/.test(real.stderr);
        return { name, refused, grader: parseDovecotConf(file).problems.some((p) => p.message.en.includes(`Auth settings not supported inside local/remote blocks: ${name}`)) };
      });
      expect(verdicts.filter((v) => v.refused !== v.grader)).toEqual([]);
      expect(verdicts.filter((v) => v.refused).map((v) => v.name).sort()).toEqual([...AUTH_SETTINGS].filter((n) => n !== 'passdb' && n !== 'userdb').sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('read $protocols written again and again as each word once, as doveconf does', () => {
    // Each line doubled the value: 20 lines made a million words, 22 took 2.6 s of the event
    // loop, 30 would take gigabytes. doveconf takes "imap imap" as imap; only the words matter.
    const doubling = (n: number): DovecotSetting[] => [{ key: 'protocols', value: 'imap lmtp', line: 1, path: [] }, ...Array.from({ length: n }, (_, i) => ({ key: 'protocols', value: '$protocols $protocols', line: i + 2, path: [] }))];
    expect(protocolsByPath(doubling(20)).get('')).toBe('imap lmtp');
    expect(dovecotProtocols(doubling(20)).protocols).toEqual(['imap', 'lmtp']);
    // A file of 200 such lines is read, and lmtp's services still checked.
    const file = `protocols = imap lmtp\n${'protocols = $protocols $protocols\n'.repeat(200)}service lmtp {\n  unix_listener /run/dovecot/auth-userdb {\n    mode = 0600\n  }\n}`;
    expect(parseDovecotConf(file).problems.map((p) => p.message.en)).toContainEqual(expect.stringContaining('duplicate listener: /run/dovecot/auth-userdb'));
  });
});
