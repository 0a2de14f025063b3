/**
 * Values derived from a network's weights (a transpose, the sign split, float32 copies, the search threads' copy of the
 * network), cached by identity and kept only while the weights are what they were derived from. Networks are values
 * and training and repair build new ones, but a write into an analysed network's arrays must never leave an analysis
 * working on stale copies.
 *
 * Every array gets a version: `refresh` compares its bytes with a snapshot (one memcmp) and gives it a new version when
 * they differ. A cache compares versions only (a map read), so the public entry points refresh the arrays they read
 * once per call: `verify` (each layer sequence it verifies), `specBounds` unless its caller has (the searches inside
 * `verify` have), the float32 forward passes. The search threads' copies are never written.
 */
import type { Network } from './network';

interface Seen { readonly view: Buffer; snapshot: Buffer; version: number }

const seen = new WeakMap<ArrayBufferView, Seen>();
let nextVersion = 1;

/** The array's version after comparing its bytes with the last snapshot. */
export function refresh(a: ArrayBufferView): number {
  let s = seen.get(a);
  if (!s) {
    const view = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    seen.set(a, (s = { view, snapshot: Buffer.from(view), version: nextVersion++ }));
  } else if (!s.view.equals(s.snapshot)) {
    s.snapshot = Buffer.from(s.view);
    s.version = nextVersion++;
  }
  return s.version;
}

/** The version the last refresh gave the array (a first sight refreshes it). */
const versionOf = (a: ArrayBufferView): number => seen.get(a)?.version ?? refresh(a);

/** Refreshes every weight and bias array of the network. */
export function refreshNetwork(net: Network): void {
  for (const layer of net.layers) {
    refresh(layer.weights);
    refresh(layer.bias);
  }
}

export class DerivedCache<K extends object, T> {
  private readonly entries = new WeakMap<K, { readonly arrays: readonly ArrayBufferView[]; readonly versions: readonly number[]; readonly value: T }>();

  /** `sources`: the arrays of `key` the derived value depends on (their versions as the last refresh left them). */
  constructor(private readonly sources: (key: K) => readonly ArrayBufferView[]) {}

  get(key: K, derive: (key: K) => T): T {
    const arrays = this.sources(key);
    const hit = this.entries.get(key);
    if (hit && hit.arrays.length === arrays.length && arrays.every((a, i) => a === hit.arrays[i] && versionOf(a) === hit.versions[i])) return hit.value;
    const value = derive(key);
    this.entries.set(key, { arrays, versions: arrays.map(versionOf), value });
    return value;
  }
}
