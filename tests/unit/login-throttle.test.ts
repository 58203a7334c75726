/**
 * The login throttle's arithmetic on a fake clock, its counts shared by several nodes (on the
 * back end this test project runs), the join limit's default for a class behind
 * one NAT address, and the trusted-proxy address parsing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../lab-server/src/classroom/loginThrottle.js';
import { RateLimit } from '../../lab-server/src/classroom/rateLimit.js';
import { LabBusy, WorkQueue } from '../../lab-server/src/workers/workQueue.js';
import { DEFAULT_LIMITS, type LabLimits } from '../../lab-server/src/limits.js';
import { AddressList, AddressListError } from '../../lab-server/src/net/addressList.js';
import { openDatabase } from '../../lab-server/src/store/database.js';
import { LoginFailures } from '../../lab-server/src/store/loginFailures.js';
import { RateLimitCounters } from '../../lab-server/src/store/rateLimits.js';
import type { Database } from '../../lab-server/src/store/sql.js';
import { TEST_BACK_END, testDatabase } from '../helpers/database.js';

describe(`LoginThrottle on ${TEST_BACK_END}`, () => {
  let dir: string;
  let drop: () => Promise<void>;
  const open: Database[] = [];
  /** A lab node's throttle: its own database handle (on PostgreSQL its own pool), the one database. */
  let node: (limits?: Partial<LabLimits>) => Promise<LoginThrottle>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maillab-logins-'));
    const made = await testDatabase();
    drop = made.drop;
    node = async (limits = {}) => {
      const db = await openDatabase(dir, made.url);
      open.push(db);
      return new LoginThrottle({ ...DEFAULT_LIMITS, ...limits }, new LoginFailures(db), new RateLimitCounters(db));
    };
  });
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
    await rm(dir, { recursive: true, force: true });
    await drop();
  });

  it('waits per (account, address) pair, doubling, and a right password clears the pair', async () => {
    const t = await node();
    const at = 1_000_000;
    for (let i = 0; i < 5; i++) expect(await t.begin('ana', '198.51.100.1', at)).toBe(0);
    expect(await t.begin('ana', '198.51.100.1', at)).toBe(1);
    expect(await t.begin('ana', '198.51.100.1', at + 1000)).toBe(0);
    expect(await t.begin('ana', '198.51.100.1', at + 1000)).toBe(2);
    expect(await t.begin('ana', '198.51.100.1', at + 3000)).toBe(0);
    expect(await t.begin('ana', '198.51.100.1', at + 3000)).toBe(4);
    // Ana herself, elsewhere: untouched.
    expect(await t.begin('ana', '203.0.113.7', at + 3000)).toBe(0);
    // Even the right password waits its turn; then it clears the pair.
    expect(await t.attempt('ana', '198.51.100.1', async () => true, at + 4000)).toEqual({ ok: false, wait: 3 });
    expect(await t.attempt('ana', '198.51.100.1', async () => true, at + 7000)).toEqual({ ok: true });
    for (let i = 0; i < 5; i++) expect(await t.begin('ana', '198.51.100.1', at + 7000)).toBe(0);
    // A pair quiet for an hour is forgotten.
    expect(await t.begin('ana', '198.51.100.1', at + 7000 + 3_600_001)).toBe(0);
  });

  it('caps the wait', async () => {
    const t = await node({ loginMaxDelayMs: 8000 });
    let now = 0;
    const waits = [];
    for (let i = 0; i < 30; i++) {
      const wait = await t.begin('x', 'y', now);
      now += wait * 1000;
      waits.push(wait);
    }
    expect(Math.max(...waits)).toBe(8);
  });

  it('starts waits at the first failure while the server sees many failures, and recovers once they are past', async () => {
    const t = await node({ loginBusyFailuresPerMinute: 10 });
    for (let i = 0; i < 11; i++) await t.begin(`victim${i}`, `10.0.0.${i}`, 5000);
    expect(await t.begin('ana', '203.0.113.7', 5000)).toBe(0);
    expect(await t.begin('ana', '203.0.113.7', 5000)).toBe(1);
    expect(await t.begin('bob', '203.0.113.7', 5000)).toBe(0);
    expect(await t.begin('bob', '203.0.113.7', 130_000)).toBe(0);
    expect(await t.begin('bob', '203.0.113.7', 130_000)).toBe(0);
  });

  it('counts one pair\'s tries on every node: more nodes give a guesser no more tries', async () => {
    const [a, b, c] = [await node(), await node(), await node()];
    const at = 2_000_000;
    // Ten tries at once, spread over three nodes: the five free ones pass, whichever node they hit.
    const waits = await Promise.all(Array.from({ length: 10 }, (_, i) => [a, b, c][i % 3]!.begin('ana', '198.51.100.1', at)));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    expect(waits.filter((w) => w === 1)).toHaveLength(5);
    expect(await c.begin('ana', '198.51.100.1', at + 500)).toBe(1);
    expect(await b.begin('ana', '198.51.100.1', at + 1000)).toBe(0);
    expect(await a.begin('ana', '198.51.100.1', at + 1000)).toBe(2);
    // A right password on one node clears the pair for all.
    expect(await c.attempt('ana', '198.51.100.1', async () => true, at + 3000)).toEqual({ ok: true });
    expect(await b.begin('ana', '198.51.100.1', at + 3000)).toBe(0);
    // The lab too busy to check: the try is not held against the pair.
    const strict = await node({ loginFreeFailures: 1 });
    expect(await strict.begin('bob', '192.0.2.9', at)).toBe(0);
    const busy = () => Promise.reject(new LabBusy('too many requests waiting'));
    expect(await strict.attempt('bob', '192.0.2.9', busy, at)).toEqual({ ok: false, wait: 1 });
    expect(await strict.attempt('bob', '192.0.2.9', busy, at + 1000)).toEqual({ ok: false, busy: true });
    expect(await strict.attempt('bob', '192.0.2.9', async () => false, at + 2000)).toEqual({ ok: false });
  });
});

describe('the join limit', () => {
  it('lets 300 learners behind one address join within a minute and stops a flood', async () => {
    // The counts live in the database every node shares; here an SQLite file of its own.
    const dir = await mkdtemp(join(tmpdir(), 'maillab-joins-'));
    const db = await openDatabase(dir);
    try {
      const limit = new RateLimit(new RateLimitCounters(db), DEFAULT_LIMITS.joinsPerAddress, 10 * 60_000);
      for (let i = 0; i < 300; i++) expect(await limit.hit('203.0.113.7', 1000 + i * 200)).toBe(0);
      for (let i = 300; i < DEFAULT_LIMITS.joinsPerAddress; i++) await limit.hit('203.0.113.7', 61_000);
      expect(await limit.hit('203.0.113.7', 61_000)).toBeGreaterThan(0);
      expect(await limit.hit('192.0.2.1', 61_000)).toBe(0);
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('WorkQueue', () => {
  it('runs a few at a time and refuses past its waiting room', async () => {
    const q = new WorkQueue(1, 1);
    let release!: () => void;
    const first = q.run(() => new Promise<void>((r) => (release = r)));
    const second = q.run(async () => 'second');
    await expect(q.run(async () => 'third')).rejects.toBeInstanceOf(LabBusy);
    release();
    await first;
    expect(await second).toBe('second');
  });
});

describe('AddressList', () => {
  it('matches addresses and CIDR ranges, IPv4-mapped IPv6 included', () => {
    const list = AddressList.parse('127.0.0.1, 10.0.0.0/8,fd00::/8');
    expect(list.has('127.0.0.1')).toBe(true);
    expect(list.has('::ffff:10.20.30.40')).toBe(true);
    expect(list.has('fd12::1')).toBe(true);
    expect(list.has('127.0.0.2')).toBe(false);
    expect(list.has('unknown')).toBe(false);
  });

  it('says which entry is wrong', () => {
    expect(() => AddressList.parse('10.0.0.0/33')).toThrow(AddressListError);
    expect(() => AddressList.parse('proxy.example')).toThrow(/"proxy.example" is not an IP address/);
  });
});
