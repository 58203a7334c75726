/**
 * The login throttle's arithmetic on a fake clock, the join limit's default for a class behind
 * one NAT address, and the trusted-proxy address parsing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../lab-server/src/classroom/loginThrottle.js';
import { RateLimit } from '../../lab-server/src/classroom/rateLimit.js';
import { LabBusy, WorkQueue } from '../../lab-server/src/classroom/workQueue.js';
import { DEFAULT_LIMITS } from '../../lab-server/src/limits.js';
import { AddressList, AddressListError } from '../../lab-server/src/net/addressList.js';
import { openDatabase } from '../../lab-server/src/store/database.js';
import { RateLimitCounters } from '../../lab-server/src/store/rateLimits.js';

describe('LoginThrottle', () => {
  it('waits per (account, address) pair, doubling, and a right password clears the pair', () => {
    const t = new LoginThrottle(DEFAULT_LIMITS);
    const at = 1_000_000;
    for (let i = 0; i < 5; i++) expect(t.begin('ana', '198.51.100.1', at)).toBe(0);
    expect(t.begin('ana', '198.51.100.1', at)).toBe(1);
    expect(t.begin('ana', '198.51.100.1', at + 1000)).toBe(0);
    expect(t.begin('ana', '198.51.100.1', at + 1000)).toBe(2);
    expect(t.begin('ana', '198.51.100.1', at + 3000)).toBe(0);
    expect(t.begin('ana', '198.51.100.1', at + 3000)).toBe(4);
    // Ana herself, elsewhere: untouched.
    expect(t.begin('ana', '203.0.113.7', at + 3000)).toBe(0);
    t.succeeded('ana', '198.51.100.1');
    expect(t.begin('ana', '198.51.100.1', at + 3000)).toBe(0);
  });

  it('caps the wait', () => {
    const t = new LoginThrottle({ ...DEFAULT_LIMITS, loginMaxDelayMs: 8000 });
    let now = 0;
    for (let i = 0; i < 30; i++) {
      const wait = t.begin('x', 'y', now);
      now += wait * 1000;
      expect(wait).toBeLessThanOrEqual(8);
    }
  });

  it('starts waits at the first failure while the server sees many failures, and recovers a minute later', () => {
    const t = new LoginThrottle({ ...DEFAULT_LIMITS, loginBusyFailuresPerMinute: 10 });
    for (let i = 0; i < 11; i++) t.begin(`victim${i}`, `10.0.0.${i}`, 5000);
    expect(t.begin('ana', '203.0.113.7', 5000)).toBe(0);
    expect(t.begin('ana', '203.0.113.7', 5000)).toBe(1);
    expect(t.begin('bob', '203.0.113.7', 5000)).toBe(0);
    expect(t.begin('bob', '203.0.113.7', 70_000)).toBe(0);
    expect(t.begin('bob', '203.0.113.7', 70_000)).toBe(0);
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
