/**
 * Values derived from a network's weights (a transpose, the sign split, float32 copies, the search threads' copy of the
 * network), cached by identity and kept only while the weights are byte for byte what they were derived from.
 * Networks are values and training and repair build new ones, but a write into an analysed network's arrays must
 * never leave an analysis working on stale copies: every lookup compares the arrays with a snapshot (one memcmp, far
 * below the cost of what is derived from them).
 */
export class DerivedCache<K extends object, T> {
  private readonly entries = new WeakMap<K, { readonly snapshot: readonly Buffer[]; readonly value: T }>();

  /** `sources`: the arrays of `key` the derived value depends on. */
  constructor(private readonly sources: (key: K) => readonly ArrayBufferView[]) {}

  get(key: K, derive: (key: K) => T): T {
    const arrays = this.sources(key);
    const hit = this.entries.get(key);
    if (hit && hit.snapshot.length === arrays.length && arrays.every((a, i) => bytesOf(a).equals(hit.snapshot[i]))) return hit.value;
    const value = derive(key);
    this.entries.set(key, { snapshot: arrays.map((a) => Buffer.from(bytesOf(a))), value });
    return value;
  }
}

const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
