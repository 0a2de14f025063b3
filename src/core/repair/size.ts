/** How big a repaired model is and which of the original's weights it changed, node by node. */
import { toGraph, type Graph } from '../network/graph';
import { gatedAddedParameters } from '../network/gated';
import { isGated, isGraph, type Model } from '../network/model';
import type { LayerChange, ModelSize } from './report';

/** A gated model's nodes are its base network's: its pieces add clamp tables, never weights (gatedAddedParameters). */
const asGraph = (m: Model): Graph => (isGraph(m) ? m : toGraph(isGated(m) ? m.base : m));

export function parameterCount(model: Model): number {
  let n = isGated(model) ? gatedAddedParameters(model) : 0;
  for (const node of asGraph(model).nodes) {
    n += node.bias.length;
    for (const s of node.sources) n += s.weights?.length ?? 0;
  }
  return n;
}

/** A weight counts as changed past float32 rounding of the original. */
const changed = (a: number, b: number) => Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(a));

/**
 * Parameters before and after, and per original node the changes of its weights. A node of the repaired model matches
 * the original's node at the same position when its shape and sources match (repairs that add branches keep the
 * original's nodes first).
 */
export function measureSize(original: Model, repaired: Model): { size: ModelSize; layerChanges: LayerChange[] } {
  const a = asGraph(original);
  const b = asGraph(repaired);
  const layerChanges: LayerChange[] = [];
  let changedCount = 0;
  a.nodes.forEach((node, k) => {
    const other = b.nodes[k];
    const params = node.bias.length + node.sources.reduce((s, src) => s + (src.weights?.length ?? 0), 0);
    const sameShape = other && other.outSize === node.outSize && other.sources.length === node.sources.length &&
      other.sources.every((s, i) => s.from === node.sources[i].from && (s.weights?.length ?? 0) === (node.sources[i].weights?.length ?? 0));
    if (!sameShape) {
      layerChanges.push({ name: node.name, meanAbsChange: NaN, maxAbsChange: NaN, changed: params, params });
      changedCount += params;
      return;
    }
    let sum = 0;
    let max = 0;
    let count = 0;
    const visit = (x: ArrayLike<number>, y: ArrayLike<number>) => {
      for (let i = 0; i < x.length; i++) {
        const d = Math.abs(x[i] - y[i]);
        sum += d;
        max = Math.max(max, d);
        if (changed(x[i], y[i])) count++;
      }
    };
    visit(node.bias, other.bias);
    node.sources.forEach((s, i) => { if (s.weights) visit(s.weights, other.sources[i].weights!); });
    changedCount += count;
    layerChanges.push({ name: node.name, meanAbsChange: sum / params, maxAbsChange: max, changed: count, params });
  });
  const before = parameterCount(original);
  const after = parameterCount(repaired);
  return { size: { paramsBefore: before, paramsAfter: after, changed: changedCount, added: Math.max(0, after - before) }, layerChanges };
}
