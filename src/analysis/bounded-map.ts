// Maps with a size bound, kept in least-recently-used order by their users (a key is deleted and
// set again when used), as the behaviour rules' groups and the actor profiles are.

/**
 * Makes room for one more key: when `map` holds `max` keys or more, forgets the least recently used
 * tenth in one pass. Evicting a single key per insert walked the map from its front every time,
 * over every slot deleted since the map was last compacted, so each insert at the bound cost more
 * than the one before (bench/behaviour).
 */
export function makeRoom<K, V>(map: Map<K, V>, max: number): void {
  if (map.size < max) return;
  let evict = map.size - max + Math.max(1, Math.ceil(max / 10));
  for (const key of map.keys()) {
    if (evict-- <= 0) break;
    map.delete(key);
  }
}
