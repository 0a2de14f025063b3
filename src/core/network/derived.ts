/**
 * Values derived from a network's weights (a transpose, the sign split, float32 copies, the search threads' copy of the
 * network), cached by identity and kept only while the weights are byte for byte what they were derived from.
 * Networks are values and training and repair build new ones, but a write into an analysed network's arrays must
 * never leave an analysis working on stale copies: every lookup compares the arrays with a snapshot (one memcmp, far
 * below the cost of what is derived from them).
 */
export class DerivedCache<K extends object, T> {
  /** Per key: its arrays, byte views of them (no copy), the bytes they held when `value` was derived, and the value. */
  private readonly entries = new WeakMap<K, { readonly arrays: readonly ArrayBufferView[]; readonly views: readonly Buffer[]; readonly snapshot: readonly Buffer[]; readonly value: T }>();

  /** `sources`: the arrays of `key` the derived value depends on. */
  constructor(private readonly sources: (key: K) => readonly ArrayBufferView[]) {}

  get(key: K, derive: (key: K) => T): T {
    const arrays = this.sources(key);
    const hit = this.entries.get(key);
    if (hit && sameArrays(arrays, hit.arrays) && unchanged(hit.views, hit.snapshot)) return hit.value;
    const views = arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    const value = derive(key);
    this.entries.set(key, { arrays, views, snapshot: views.map((v) => Buffer.from(v)), value });
    return value;
  }
}

const sameArrays = (a: readonly ArrayBufferView[], b: readonly ArrayBufferView[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function unchanged(views: readonly Buffer[], snapshot: readonly Buffer[]): boolean {
  for (let i = 0; i < views.length; i++) if (!views[i].equals(snapshot[i])) return false;
  return true;
}
