/** The Maildir views kept for requests without a tag: one per sandbox, under its tag, bounded by the text they hold. */
import { describe, expect, it } from 'vitest';
import { RecentViews } from '../../lab-server/src/http/recentViews.js';

describe('RecentViews', () => {
  it('gives a sandbox its last view only under the tag it was built for', () => {
    const views = new RecentViews(100);
    views.remember('a', 'W/"1"', '{"a":1}');
    expect(views.get('a', 'W/"1"')).toBe('{"a":1}');
    expect(views.get('a', 'W/"2"')).toBeUndefined();
    expect(views.get('b', 'W/"1"')).toBeUndefined();
    views.remember('a', 'W/"2"', '{"a":2}');
    expect(views.get('a', 'W/"1"')).toBeUndefined();
    expect(views.get('a', 'W/"2"')).toBe('{"a":2}');
  });

  it('lets the oldest go past its size, and keeps none larger than all of it', () => {
    const views = new RecentViews(100);
    for (const id of ['a', 'b', 'c']) views.remember(id, 't', id.repeat(40));
    expect(views.get('a', 't')).toBeUndefined();
    expect(views.get('b', 't')).toBe('b'.repeat(40));
    expect(views.get('c', 't')).toBe('c'.repeat(40));
    views.remember('d', 't', 'd'.repeat(101));
    expect(views.get('d', 't')).toBeUndefined();
    expect(views.get('c', 't')).toBe('c'.repeat(40));
  });
});
