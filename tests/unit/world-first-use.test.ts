/**
 * A sandbox's zones and DKIM keys are made when it first needs them, not at create (a reset puts
 * the same back): the first uses that race (a question and a message to sign), a save or a
 * restore as the very first thing, and a seeding cut short between two zone files, which the
 * next first use must finish.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabDns } from '../../lab-server/src/dns/labDns.js';
import { sandboxMail } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import { dkimKey } from '../../lab-server/src/world/dkimKeys.js';
import { forwardZone, zonesInPlace } from '../../lab-server/src/world/seedZones.js';
import { Sandboxes } from '../../lab-server/src/world/sandboxes.js';
import { readZoneText, writeZoneText, zoneNames } from '../../lab-server/src/world/zoneStore.js';
import { NET } from '../helpers/network.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-first-use-'));
});
afterAll(async () => {
  // Retried: a delivery still settling may be making a mailbox's folders (ENOTEMPTY).
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

describe("a sandbox's zones on first use", () => {
  it('are seeded per sandbox with its own DKIM key when first needed, and a reset puts them back', async () => {
    const sandboxes = new Sandboxes(join(dir, 'data'), sandboxMail);
    const a = await sandboxes.create('a');
    const b = await sandboxes.create('b');
    // Nothing of it at create (two 2048-bit keys took ~0.4 s of CPU of every join), nor at a reset.
    await sandboxes.reset('b');
    for (const s of [a, b]) {
      expect(await zoneNames(s)).toEqual([]);
      expect(await readdir(s.dir)).not.toContain('dkim');
    }
    await Promise.all([zonesInPlace(a), zonesInPlace(a), zonesInPlace(b)]);
    expect(await zoneNames(a)).toEqual([NET.reverseZone, 'example.com', 'otherdomain.com']);
    const keyA = await dkimKey(a, 'example.com');
    const keyB = await dkimKey(b, 'example.com');
    expect(keyA.publicKey).not.toBe(keyB.publicKey);
    const zone = (await readZoneText(a, 'example.com'))!;
    expect(zone.replace(/"\s+"/g, '')).toContain(`p=${keyA.publicKey}`);
    expect(zone).toMatch(/^mail {4}IN A {4}192\.0\.2\.100$/m);
    expect(zone).toMatch(/^@ {7}IN MX 20 mail2\.example\.com\.$/m);
    await writeZoneText(a, 'example.com', 'broken');
    await writeFile(join(a.dir, 'mta-state.json'), '{"stopped":["otherdomain.com"]}');
    await sandboxes.reset('a');
    expect(await readZoneText(a, 'example.com')).toBe(zone);
    expect((await dkimKey(a, 'example.com')).publicKey).toBe(keyA.publicKey);
    expect(await readdir(a.dir)).not.toContain('mta-state.json');
  });

  it('made on first use by a question and a message to sign at once publish the key that signs', async () => {
    const sandboxes = new Sandboxes(join(dir, 'first-use'), sandboxMail);
    for (const id of ['r1', 'r2', 'r3']) {
      const s = await sandboxes.create(id);
      // The DNS loads the zones while submission signs: one key per domain, not one each.
      const [, signing] = await Promise.all([new LabDns().resolver(s).resolve('example.com', 'MX'), dkimKey(s, 'example.com'), dkimKey(s, 'otherdomain.com')]);
      const zone = (await readZoneText(s, 'example.com'))!.replace(/"\s+"/g, '');
      expect(zone).toContain(`p=${signing.publicKey}`);
      expect((await dkimKey(s, 'example.com')).publicKey).toBe(signing.publicKey);
      expect((await readdir(join(s.dir, 'dkim'))).sort()).toEqual(['example.com.default.key', 'otherdomain.com.default.key']);
    }
  });

  it('saved or put back as the first thing a sandbox does, a zone does not stay its only one', async () => {
    const sandboxes = new Sandboxes(join(dir, 'first-write'), sandboxMail);
    const dns = new LabDns();
    const saved = await sandboxes.create('saved');
    // otherdomain.com's seeded zone without its MX record: an edit a learner makes.
    const text = forwardZone('otherdomain.com', (await dkimKey(saved, 'otherdomain.com')).publicKey).replace(/^@\s+IN MX .*$/m, '');
    expect((await dns.saveZone(saved, 'otherdomain.com', text)).ok).toBe(true);
    const restored = await sandboxes.create('restored');
    expect(await dns.restoreZone(restored, 'example.com')).toBe(true);
    for (const s of [saved, restored]) expect(await zoneNames(s)).toEqual([NET.reverseZone, 'example.com', 'otherdomain.com']);
    expect(await readZoneText(saved, 'otherdomain.com')).toBe(text);
    expect(await dns.resolver(saved).resolve('mail.example.com', 'A')).toEqual([NET.mail]);
  });

  it('cut short after its first zone file, a seeding is finished by the next first use, keeping what was written', async () => {
    const data = join(dir, 'cut-short');
    const made = await new Sandboxes(data, sandboxMail).create('k');
    // What the seeding leaves when the lab is killed (or a write fails) after its first zone
    // file: example.com's seeded zone alone (tests/tmp probe: a SIGKILL as the first file appears).
    // And a learner's edit of it since (the old code let them: it then counted as seeded).
    const example = `${forwardZone('example.com', (await dkimKey(made, 'example.com')).publicKey)}www     IN A    ${NET.at(7)}\n`;
    await writeZoneText(made, 'example.com', example);
    expect(await zoneNames(made)).toEqual(['example.com']);

    // The lab restarts: the sandbox is opened again and its DNS asked.
    const opened = await new Sandboxes(data, sandboxMail).get('k');
    const resolver = new LabDns().resolver(opened);
    expect(await resolver.resolve('otherdomain.com', 'MX')).toEqual([{ exchange: 'mail.otherdomain.com', priority: 10 }]);
    expect(await resolver.resolve(NET.ptrName(NET.mail), 'PTR')).toEqual(['mail.example.com']);
    expect(await zoneNames(opened)).toEqual([NET.reverseZone, 'example.com', 'otherdomain.com']);
    expect(await readZoneText(opened, 'example.com')).toBe(example);
    expect(await resolver.resolve('www.example.com', 'A')).toEqual([NET.at(7)]);
    const other = (await readZoneText(opened, 'otherdomain.com'))!.replace(/"\s+"/g, '');
    expect(other).toContain(`p=${(await dkimKey(opened, 'otherdomain.com')).publicKey}`);
  });
});
