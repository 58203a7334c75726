/**
 * The settings Dovecot reads as booleans (dovecotBooleans.ts), asked of the real doveconf 2.3:
 * every setting it prints as yes or no, in each kind of section, is one where "0" makes it
 * refuse the whole file ("Invalid boolean value") or one it refuses "0" in otherwise (an enum);
 * the grader's parser must refuse and accept the same values in the same places.
 */
import { describe, expect, it } from 'vitest';
import { DOVECOT_BOOLEANS } from '../../lab-server/src/grading/config/dovecotBooleans.js';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { doveconf } from '../realtools/dovecot.js';
import { doveconfSettings, PLACED } from '../realtools/doveconfSettings.js';
import { inPool } from '../realtools/process.js';

/** Every setting doveconf prints as yes or no, by the kind of section it stands in. */
async function yesNoSettings(): Promise<Map<string, Set<string>>> {
  const found = new Map<string, Set<string>>();
  for (const [kind, settings] of await doveconfSettings()) {
    const yesNo = [...settings].filter(([, value]) => value === 'yes' || value === 'no').map(([name]) => name);
    if (yesNo.length) found.set(kind, new Set(yesNo));
  }
  return found;
}

const sorted = (m: ReadonlyMap<string, ReadonlySet<string>>): Record<string, string[]> => Object.fromEntries([...m].filter(([, names]) => names.size > 0).map(([kind, names]) => [kind, [...names].sort()]).sort());

describe('Dovecot boolean settings', () => {
  it('are every setting doveconf prints as yes or no and refuses "0" in as "Invalid boolean value", in each kind of section', async () => {
    const candidates = await yesNoSettings();
    expect(candidates.get('')!.size).toBeGreaterThan(60);
    const asked = [...candidates].flatMap(([kind, names]) => [...names].map((name) => ({ kind, name })));
    const verdicts = await inPool(asked, 4, async ({ kind, name }) => {
      const place = PLACED[kind];
      expect(place, `a section of kind "${kind}" to ask doveconf in`).toBeDefined();
      return { kind, name, refused: (await doveconf(place!(`${name} = 0`))).stderr };
    });
    const booleans = new Map<string, Set<string>>();
    for (const { kind, name, refused } of verdicts) {
      if (!/Invalid boolean value: 0 \(use yes or no\)/.test(refused)) {
        // An enum with yes and no among its values (ssl, imapc_ssl, a namespace's list): refused otherwise.
        expect(refused, `${kind} ${name} = 0`).toMatch(/Invalid value/);
        continue;
      }
      if (!booleans.has(kind)) booleans.set(kind, new Set());
      booleans.get(kind)!.add(name);
    }
    expect(sorted(DOVECOT_BOOLEANS)).toEqual(sorted(booleans));
  });

  it('are read as booleans by the grader where they stand, and no other setting is (review 12 on 126560f)', () => {
    const refused = (conf: string) => parseDovecotConf(conf).problems.map((p) => p.message.en).filter((m) => /Invalid boolean value/.test(m));
    // Booleans the graders never read: doveconf still refuses the whole file for them.
    for (const conf of ['ssl_require_crl = true', 'mmap_disable = 0', 'lda_mailbox_autocreate = off', 'protocol imap {\n  mail_debug = n\n}', 'namespace inbox {\n  inbox = 0\n}', 'passdb {\n  driver = static\n  deny = true\n}', 'service imap {\n  drop_priv_before_exec = 0\n}']) {
      expect(refused(conf), conf).toHaveLength(1);
    }
    const message = parseDovecotConf('maildir_very_dirty_syncs = 0').problems[0]!.message;
    expect(message.en).toMatch(/write yes or no/);
    expect(message['zh-CN']).toMatch(/请写 yes 或 no/);
    expect(parseDovecotConf('namespace inbox {\n  inbox = Y\n}').settings.find((s) => s.key === 'inbox')!.value).toBe('yes');
    // Enums that take yes or no among other words, and names in sections where they are no boolean.
    for (const conf of ['passdb {\n  driver = static\n  auth_verbose = default\n}', 'namespace inbox {\n  list = children\n}', 'auth_verbose_passwords = plain', 'imapc_ssl = imaps', 'plugin {\n  mail_debug = 0\n}']) {
      expect(parseDovecotConf(conf).problems, conf).toEqual([]);
    }
    // Sections named as no section is: unknown to doveconf (dovecot-names.test.ts), and nothing in them is a boolean.
    for (const name of ['constructor', '__proto__']) {
      expect(parseDovecotConf(`${name} {\n  ssl = 0\n}`).problems.map((p) => p.message.en), name).toEqual([expect.stringContaining(`("Unknown setting: ${name} { ${name}")`)]);
    }
  });

  it('are refused and accepted by the grader where doveconf refuses and accepts them, filters and enums too', async () => {
    const cases: Array<[string, string]> = [];
    for (const [kind, names] of DOVECOT_BOOLEANS) for (const name of names) for (const v of ['0', 'Y']) cases.push([`${kind} ${name} = ${v}`, PLACED[kind]!(`${name} = ${v}`)]);
    // A filter holds top-level settings; enums that take yes or no take words of their own too.
    cases.push(['protocol mail_debug = 0', 'protocol imap {\n  mail_debug = 0\n}']);
    cases.push(['passdb auth_verbose = default', PLACED.passdb!('auth_verbose = default')]);
    cases.push(['namespace list = children', PLACED.namespace!('list = children')]);
    cases.push(['auth_verbose_passwords = plain', 'auth_verbose_passwords = plain']);
    const verdicts = await inPool(cases, 4, async ([label, conf]) => {
      // Only the value's reading counts: doveconf refuses mail_nfs_index = yes without mmap_disable = yes, say.
      const tool = !/Invalid (boolean )?value/.test((await doveconf(conf)).stderr);
      const grader = parseDovecotConf(conf).problems.filter((p) => /Invalid boolean value/.test(p.message.en)).length === 0;
      return `${label}: doveconf ${tool ? 'accepts' : 'refuses'}, grader ${grader ? 'accepts' : 'refuses'}`;
    });
    const disagreements = verdicts.filter((v) => !/(accepts|refuses), grader \1$/.test(v));
    expect(disagreements).toEqual([]);
    expect(verdicts.length).toBeGreaterThan(150);
  });
});
