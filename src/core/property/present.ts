/** Network-space values shown in a .prop file's own terms: names, physical units and values. */
import type { SymbolTable } from './symbols';

export interface NamedValue {
  readonly name: string;
  /** The physical value (normalisation undone). */
  readonly value: number;
  readonly unit?: string;
}

export function physicalValues(symbols: SymbolTable, kind: 'input' | 'output', values: ArrayLike<number>): NamedValue[] {
  const named: NamedValue[] = [];
  for (const v of symbols.variables(kind)) {
    for (let k = 0; k < v.length; k++) {
      const i = v.offset + k;
      named.push({ name: symbols.elementName(kind, i), value: values[i] * v.divisor + v.mean, unit: v.unit });
    }
  }
  return named;
}

export function formatValues(values: readonly NamedValue[], maxShown = 12): string {
  const shown = values.slice(0, maxShown).map((v) => `${v.name} = ${Number(v.value.toPrecision(7))}${v.unit ? ` ${v.unit}` : ''}`);
  return shown.join(', ') + (values.length > maxShown ? `, ... (${values.length - maxShown} more)` : '');
}
