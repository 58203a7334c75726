/** The per-address mail login penalty (world/authPenalty.ts), with the clock passed in. */
import { describe, expect, it } from 'vitest';
import { AuthPenalty, penaltyAddress } from '../../lab-server/src/world/authPenalty.js';
import { explainReply } from '../../site/lib/replyExplain.js';

const limits = { freeFailures: 2, firstDelayMs: 1000, maxDelayMs: 4000, quietMs: 60_000, addresses: 3 };

describe('AuthPenalty', () => {
  it('lets the free failures through, then spaces the tries from an address in doubling turns, and refuses past the longest (uncounted)', () => {
    const p = new AuthPenalty(limits);
    // Tries count as failures as soon as they are let through: parallel ones cannot all slip past.
    expect(p.turn('a', 'alice', 'x', 0)).toEqual({ waitMs: 0 });
    expect(p.turn('a', 'alice', 'y', 0)).toEqual({ waitMs: 0 });
    // Past the free ones: one turn now, the next a turn later (1 s, then 2 s apart), and so on.
    expect(p.turn('a', 'alice', 'z', 0)).toEqual({ waitMs: 0 });
    expect(p.turn('a', 'alice', 'w', 0)).toEqual({ waitMs: 1000 });
    expect(p.turn('a', 'alice', 'v', 0)).toEqual({ waitMs: 3000 });
    // Spacing is capped at 4 s; a turn further away than that is refused, and not counted.
    expect(p.turn('a', 'alice', 'u', 0)).toEqual({ retryMs: 7000 });
    expect(p.turn('a', 'alice', 'u', 4000)).toEqual({ waitMs: 3000 });
    // Another address is not affected.
    expect(p.turn('b', 'alice', 'x', 0)).toEqual({ waitMs: 0 });
  });

  it('lets a login proven right from the address skip the queue, and only that login; a right one is no failure', () => {
    const p = new AuthPenalty(limits);
    p.turn('a', 'Alice@Example.com', 'right', 0);
    p.succeeded('a', 'Alice@Example.com', 'right');
    p.turn('a', 'alice@example.com', 'guess1', 0);
    // One failure counted: a second try is still free.
    expect(p.turn('a', 'alice@example.com', 'guess2', 0)).toEqual({ waitMs: 0 });
    for (let i = 0; i < 3; i++) p.turn('a', 'alice@example.com', `guess${i + 3}`, 0);
    expect(p.turn('a', 'alice@example.com', 'right', 0)).toEqual({ waitMs: 0 });
    expect(p.turn('a', 'alice@example.com', 'guess9', 0)).not.toEqual({ waitMs: 0 });
  });

  it('forgets an address after a quiet while, and remembers at most `addresses` of them', () => {
    const p = new AuthPenalty(limits);
    for (let i = 0; i < 5; i++) p.turn('a', 'alice', 'x', 0);
    expect(p.turn('a', 'alice', 'x', 0)).not.toEqual({ waitMs: 0 });
    expect(p.turn('a', 'alice', 'x', 60_001)).toEqual({ waitMs: 0 });
    for (let i = 0; i < 1000; i++) p.turn(`10.0.${i >> 8}.${i & 255}`, 'alice', 'x', 0);
    expect(p.size).toBe(3);
  });

  it('counts an IPv6 client under its /48 and an IPv4-mapped address as IPv4', () => {
    expect(penaltyAddress('2001:db8:1:2::7')).toBe('2001:db8:1::/48');
    expect(penaltyAddress('2001:0db8:0001:ffff:1:2:3:4')).toBe('2001:db8:1::/48');
    expect(penaltyAddress('::1')).toBe('0:0:0::/48');
    expect(penaltyAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(penaltyAddress('192.0.2.1')).toBe('192.0.2.1');
  });

  it('the refusal is explained in the terminal in both languages', () => {
    const words = explainReply('imap', 'a1 NO [UNAVAILABLE] Too many wrong passwords from your address. Wait 7 s, then log in again with the right password', 'a1 LOGIN alice@example.com x');
    expect(words?.en).toMatch(/Wait 7 s/);
    expect(words?.['zh-CN']).toMatch(/7 秒/);
  });
});
