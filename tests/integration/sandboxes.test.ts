/**
 * Sandboxes: each connection belongs to one mail world, fixed when it starts (a bridge
 * handoff) or by the listener's default; one world's mail is invisible from another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWorld } from '../../lab-server/src/world/definition.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath, readAllMessages } from '../helpers/maildir.js';
import { handedOff, RawClient } from '../helpers/rawSocket.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
  // A second world with the same addresses but its own passwords, as classroom mode makes.
  const world = defaultWorld();
  world.users = world.users.map((u) => ({ ...u, password: `${u.address.split('@')[0]}-other` }));
  await lab.sandboxes.create('learner-2', world);
});
afterAll(async () => {
  await lab?.dispose();
});

describe('sandbox isolation', () => {
  it('delivers a handed-off SMTP session into its own sandbox only', async () => {
    const mine = maildirPath(lab.dataDir, 'learner-2', 'bob@example.com');
    const theirs = maildirPath(lab.dataDir, 'default', 'bob@example.com');
    const theirsBefore = await listMaildir(theirs);
    const c = await handedOff(lab, lab.port('smtp'), 'learner-2');
    await c.until(/^220 /m);
    await c.command('HELO sandbox.test', /^250 /m);
    await c.command('MAIL FROM:<alice@example.com>', /^250 /m);
    await c.command('RCPT TO:<bob@example.com>', /^250 /m);
    await c.command('DATA', /^354 /m);
    expect(await c.command('Subject: private\r\n\r\nonly in learner-2\r\n.', /\r\n$/)).toMatch(/^250 /);
    await c.command('QUIT', /^221 /m);
    expect((await readAllMessages(mine)).some((m) => m.includes('only in learner-2'))).toBe(true);
    expect(await listMaildir(theirs)).toEqual(theirsBefore);
  });

  it('checks POP3 credentials inside the connection\'s sandbox only', async () => {
    // The default sandbox's password does not open learner-2's mailbox, and vice versa.
    const own = await handedOff(lab, lab.port('pop3'), 'learner-2');
    await own.until(/^\+OK/);
    await own.command('USER bob', /^\+OK/);
    expect(await own.command('PASS secret', /\r\n$/)).toMatch(/^-ERR \[AUTH\]/);
    await own.command('USER bob', /^\+OK/);
    expect(await own.command('PASS bob-other', /\r\n$/)).toMatch(/^\+OK Logged in as bob@example\.com: 4 messages/);
    const listing = await own.command('UIDL', /\r\n\.\r\n$/);
    expect(listing.split('\r\n').filter((l) => /^\d+ /.test(l))).toHaveLength(4);
    own.close();

    const external = await python(
      `
import poplib
p = poplib.POP3('127.0.0.1', P['port'])
p.user('bob')
try:
    p.pass_('bob-other'); print('opened')
except poplib.error_proto as e:
    print(e.args[0].decode())
`,
      { port: lab.port('pop3') },
    );
    expect(external.stdout).toMatch(/^-ERR \[AUTH\]/);
  });

  it('gives ordinary loopback clients the default sandbox without waiting', async () => {
    const started = Date.now();
    const c = await RawClient.open(lab.port('pop3'));
    await c.until(/^\+OK/);
    expect(Date.now() - started).toBeLessThan(1000);
    await c.command('USER bob', /^\+OK/);
    expect(await c.command('PASS secret', /\r\n$/)).toMatch(/^\+OK Logged in/);
    c.close();
  });

  it('resets one sandbox to its seed without touching another', async () => {
    const defaultBefore = await readAllMessages(maildirPath(lab.dataDir, 'default', 'bob@example.com'));
    await lab.sandboxes.reset('learner-2');
    const reset = await readAllMessages(maildirPath(lab.dataDir, 'learner-2', 'bob@example.com'));
    expect(reset).toHaveLength(3);
    expect(reset.some((m) => m.includes('only in learner-2'))).toBe(false);
    expect(await readAllMessages(maildirPath(lab.dataDir, 'default', 'bob@example.com'))).toEqual(defaultBefore);
  });

  it('deletes a sandbox; a handoff to it is refused with a clear message', async () => {
    await lab.sandboxes.create('short-lived');
    await lab.sandboxes.delete('short-lived');
    expect(await lab.sandboxes.list()).not.toContain('short-lived');
    const c = await handedOff(lab, lab.port('pop3'), 'short-lived');
    expect(await c.until(/\r\n$/)).toMatch(/^-ERR \[SYS\/TEMP\] This lab sandbox is not available/);
  });
});
