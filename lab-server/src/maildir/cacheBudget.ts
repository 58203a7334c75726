/**
 * The memory budget every loaded field cache (fieldCache.ts) shares: a cache that grows or is
 * used moves to the back of the line, and the least recently used ones are let go (their files
 * stay) until the total fits again.
 */

/** A loaded cache that can drop its in-memory copy. */
export interface Unloadable {
  unload(): void;
}

/** Memory all loaded caches may take together. */
const BUDGET = 64 * 1024 * 1024;

const loaded = new Map<Unloadable, number>();
let loadedBytes = 0;

/** `cache` now holds `bytes` in memory and was just used: others are let go first, never it. */
export function touchCache(cache: Unloadable, bytes: number): void {
  loadedBytes += bytes - (loaded.get(cache) ?? 0);
  loaded.delete(cache);
  loaded.set(cache, bytes);
  for (const [other, size] of loaded) {
    if (loadedBytes <= BUDGET || other === cache) break;
    loaded.delete(other);
    loadedBytes -= size;
    other.unload();
  }
}

/** `cache` let its memory go by itself (its folder went idle). */
export function forgetCache(cache: Unloadable): void {
  loadedBytes -= loaded.get(cache) ?? 0;
  loaded.delete(cache);
}
