/** What the names of a .prop file mean: network inputs/outputs (with domain, unit, normalisation), constants, data. */
import type { Ident, VarDecl } from './ast';
import type { Range } from './lexer';

export interface VarSymbol {
  readonly kind: 'input' | 'output';
  readonly name: string;
  /** Index of the first element in the network's input or output vector; `length` elements (1 for a scalar). */
  readonly offset: number;
  readonly length: number;
  readonly vector: boolean;
  readonly mean: number;
  readonly divisor: number;
  readonly domain?: { readonly lower: number; readonly upper: number };
  readonly unit?: string;
  readonly decl: VarDecl;
  readonly range: Range;
}

export interface DataPoint { readonly values: readonly number[]; readonly label?: number }

export type SymbolInfo =
  | VarSymbol
  | { readonly kind: 'const'; readonly name: string; readonly value: number; readonly range: Range }
  | { readonly kind: 'data'; readonly name: string; readonly points: readonly DataPoint[]; readonly path: string; readonly range: Range }
  | { readonly kind: 'point'; readonly name: string; readonly point: DataPoint; readonly range: Range };

export class SymbolTable {
  private readonly symbols = new Map<string, SymbolInfo>();
  readonly inputs: VarSymbol[] = [];
  readonly outputs: VarSymbol[] = [];
  /** Running totals of the elements, so that size() is O(1) however many names are declared. */
  private readonly sizes = { input: 0, output: 0 };

  constructor(private readonly parent?: SymbolTable) {}

  get(name: string): SymbolInfo | undefined {
    return this.symbols.get(name) ?? this.parent?.get(name);
  }

  /** Adds a symbol; returns the earlier one if the name is taken. */
  add(symbol: SymbolInfo): SymbolInfo | undefined {
    const existing = this.get(symbol.name);
    if (existing) return existing;
    this.symbols.set(symbol.name, symbol);
    if (symbol.kind === 'input') this.inputs.push(symbol);
    if (symbol.kind === 'output') this.outputs.push(symbol);
    if (symbol.kind === 'input' || symbol.kind === 'output') this.sizes[symbol.kind] += symbol.length;
    return undefined;
  }

  size(kind: 'input' | 'output'): number {
    return this.parent ? this.parent.size(kind) : this.sizes[kind];
  }

  /** Name of element i of the inputs or outputs, e.g. "rho" or "x[12]". */
  elementName(kind: 'input' | 'output', i: number): string {
    const s = this.variableAt(kind, i);
    if (!s) return `${kind === 'input' ? 'X' : 'Y'}_${i}`;
    return s.vector ? `${s.name}[${i - s.offset + (s.decl.groups.find((g) => g.name.name === s.name)?.indices?.from ?? 0)}]` : s.name;
  }

  /** The variable that holds element i (binary search: the variables lie in order of their offsets). */
  variableAt(kind: 'input' | 'output', i: number): VarSymbol | undefined {
    const vars = this.variables(kind);
    let [lo, hi] = [0, vars.length - 1];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = vars[mid];
      if (i < v.offset) hi = mid - 1;
      else if (i >= v.offset + v.length) lo = mid + 1;
      else return v;
    }
    return undefined;
  }

  variables(kind: 'input' | 'output'): readonly VarSymbol[] {
    return this.parent ? this.parent.variables(kind) : kind === 'input' ? this.inputs : this.outputs;
  }
}

export const identText = (i: Ident): string => i.name;
