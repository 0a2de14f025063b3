/**
 * What a repair needs from a .prop file besides its properties: the input domain (the declared ranges, in the
 * network's normalised space) and how the file reads a decision (argmin when it speaks of argmin, else argmax).
 */
import type { CheckedDocument } from './index';

export interface InputDomain {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** The box of the declared input domains; undefined when some input has no declared domain. */
export function inputDomain(doc: CheckedDocument): InputDomain | undefined {
  const inputs = doc.symbols.variables('input');
  const size = doc.symbols.size('input');
  const lower = new Float64Array(size);
  const upper = new Float64Array(size);
  for (const v of inputs) {
    if (!v.domain) return undefined;
    const a = (v.domain.lower - v.mean) / v.divisor;
    const b = (v.domain.upper - v.mean) / v.divisor;
    for (let i = v.offset; i < v.offset + v.length; i++) {
      lower[i] = Math.min(a, b);
      upper[i] = Math.max(a, b);
    }
  }
  return { lower, upper };
}

/** argmin if any formula of the file compares by argmin (ACAS Xu's advisories), argmax otherwise. */
export function decisionOf(doc: CheckedDocument): 'argmax' | 'argmin' {
  let found: 'argmax' | 'argmin' = 'argmax';
  const visit = (node: unknown): void => {
    if (found === 'argmin' || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) { node.forEach(visit); return; }
    const record = node as Record<string, unknown>;
    if (record.kind === 'arg' && record.fn === 'argmin') { found = 'argmin'; return; }
    for (const [key, value] of Object.entries(record)) if (key !== 'range') visit(value);
  };
  visit(doc.file.decls);
  return found;
}

/**
 * A data point as a network input: its values are the inputs in declaration order, in the file's units, mapped through
 * each input's normalisation. Undefined when the point does not have one value per input.
 */
export function pointInput(doc: CheckedDocument, values: readonly number[]): Float64Array | undefined {
  if (values.length !== doc.symbols.size('input')) return undefined;
  const x = Float64Array.from(values);
  for (const v of doc.symbols.variables('input')) for (let i = v.offset; i < v.offset + v.length; i++) x[i] = (values[i] - v.mean) / v.divisor;
  return x;
}
