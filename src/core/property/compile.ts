/**
 * The checker and compiler of .prop files: resolves names, checks dimensions, domains and units against the declared
 * variables and the bound model, and compiles each property to the normal form (the input region as a union of
 * polytopes, the violation as a DNF over the outputs), in the network's normalised space.
 */
import type { Decl, Expr, Formula, PropertyDecl, PropFile, VarDecl } from './ast';
import type { SpecDiagnostic } from './diagnostics';
import type { Range } from './lexer';
import { MAX_CLAUSES, MAX_VARIABLES, MAX_VIOLATION_ROWS, polytopeFromRows, type LinearRow, type Polytope, type Query } from '../query/normalForm';
import { SymbolTable, type DataPoint, type VarSymbol } from './symbols';

export interface ModelShape { readonly inputs: number; readonly outputs: number }

export interface CompileHost {
  /** Resolves a path written in the file (relative to the file). */
  resolve(path: string): string;
  /** Input and output sizes of the model file, or why it cannot be read. Absent in untrusted folders: no model is loaded. */
  modelShape?(path: string): ModelShape | { error: string };
  readData?(path: string): readonly DataPoint[] | { error: string };
  /** Whether a polytope has a point (an LP), for regions that linear rows make empty; skipped when absent. */
  isFeasible?(polytope: Polytope): boolean;
  /** Whether a resolved path lies outside the user's workspace (the editor): such model and data paths are warned about. */
  outsideWorkspace?(path: string): boolean;
}

export interface CompiledProperty {
  /** The property's name; `name[k]` for the k-th point of a `for each` property. */
  readonly name: string;
  /** The name of the `property` declaration it comes from. */
  readonly declaration: string;
  readonly description?: string;
  readonly range: Range;
  readonly requireRange: Range;
  readonly query: Query;
  /** A readable text of each violation clause: "the clause it breaks". */
  readonly clauseTexts: readonly string[];
  /** For the k-th instance of a `for each` property: its data point (values as written in the data file, and label). */
  readonly point?: { readonly index: number; readonly values: readonly number[]; readonly label?: number };
}

export interface CompileResult {
  readonly properties: CompiledProperty[];
  readonly diagnostics: SpecDiagnostic[];
  readonly symbols: SymbolTable;
  readonly modelPath?: string;
}

/** A conjunct of a compiled formula: a linear row, or (cheaper for large inputs) a bound on one variable. */
type Atom = LinearRow | { readonly index: number; readonly side: 'upper' | 'lower'; readonly value: number };

const isBound = (a: Atom): a is Extract<Atom, { index: number }> => 'index' in a;

/** Linear function of the network's (normalised) inputs or outputs (physical values already mapped through). */
interface Lin { family?: 'input' | 'output'; coeffs: Map<number, number>; constant: number }

class CompileError extends Error {
  constructor(readonly range: Range, message: string, readonly code = 'semantic') { super(message); }
}

/** Every number the compiler writes is a finite float64: an overflow (1e999, 1e308 * 10) is the user's to fix. */
function finite(value: number, range: Range, what = 'this value'): number {
  if (!Number.isFinite(value)) throw new CompileError(range, `${what} is ${Number.isNaN(value) ? 'not a number' : 'infinite'} in float64 arithmetic (a constant too large, or a division by a tiny one)`, 'non-finite');
  return value;
}

export function compile(file: PropFile, host: CompileHost): CompileResult {
  return new Compiler(host).run(file);
}

class Compiler {
  private readonly diagnostics: SpecDiagnostic[] = [];
  private readonly symbols = new SymbolTable();

  constructor(private readonly host: CompileHost) {}

  run(file: PropFile): CompileResult {
    let modelPath: string | undefined;
    const models = file.decls.filter((d) => d.kind === 'model');
    for (const extra of models.slice(1)) this.report(extra.range, 'a file speaks of one model; this second `model` is ignored', 'error', 'duplicate-model');
    for (const decl of file.decls) this.guard(() => this.declare(decl));
    if (models[0]?.kind === 'model') {
      modelPath = this.host.resolve(models[0].path);
      this.checkModel(models[0].range, modelPath);
    } else if (file.decls.length > 0) {
      this.report(file.decls[0].range, 'no `model "file.onnx"` line: properties are checked for syntax and names only', 'warning', 'no-model');
    }
    const properties: CompiledProperty[] = [];
    const names = new Set<string>();
    for (const decl of file.decls) {
      if (decl.kind !== 'property') continue;
      if (names.has(decl.name.name)) this.report(decl.name.range, `a property named '${decl.name.name}' exists already`, 'error', 'duplicate-name');
      names.add(decl.name.name);
      // One by one: a `for each` over 130,000 points is too many arguments for a spread push.
      this.guard(() => { for (const p of this.property(decl)) properties.push(p); });
    }
    return { properties, diagnostics: this.diagnostics, symbols: this.symbols, modelPath };
  }

  private checkModel(range: Range, path: string): void {
    this.checkInsideWorkspace(range, path, 'model');
    const shape = this.host.modelShape?.(path);
    if (!shape) return;
    if ('error' in shape) return this.report(range, shape.error, 'error', 'model');
    for (const kind of ['input', 'output'] as const) {
      const declared = this.symbols.size(kind);
      const actual = kind === 'input' ? shape.inputs : shape.outputs;
      if (declared !== actual && this.symbols.variables(kind).length > 0) {
        const at = this.symbols.variables(kind)[0].decl.range;
        this.report(at, `the model has ${actual} ${kind}s but the file declares ${declared}`, 'error', 'dimension');
      }
    }
  }

  private declare(decl: Decl): void {
    switch (decl.kind) {
      case 'model': case 'property': return;
      case 'const': {
        const value = this.constant(decl.value, this.symbols);
        this.define({ kind: 'const', name: decl.name.name, value, range: decl.name.range }, decl.name.range);
        return;
      }
      case 'data': {
        this.checkInsideWorkspace(decl.range, this.host.resolve(decl.path), 'data file');
        const loaded = this.host.readData?.(this.host.resolve(decl.path));
        if (loaded && 'error' in loaded) this.report(decl.range, loaded.error, 'error', 'data');
        const points = loaded && !('error' in loaded) ? loaded : [];
        this.define({ kind: 'data', name: decl.name.name, points, path: decl.path, range: decl.name.range }, decl.name.range);
        return;
      }
      case 'input': case 'output': return this.declareVars(decl);
    }
  }

  private checkInsideWorkspace(range: Range, path: string, what: string): void {
    if (this.host.outsideWorkspace?.(path)) this.report(range, `the ${what} ${path} is outside the workspace: check that this file should be read`, 'warning', 'outside-workspace');
  }

  private declareVars(decl: VarDecl): void {
    // A bad constant is reported and the variables are declared all the same, so their uses are still checked.
    const mean = decl.normalize ? this.guarded(() => this.constant(decl.normalize!.mean, this.symbols), 0) : 0;
    const divisor = decl.normalize ? this.guarded(() => this.constant(decl.normalize!.divisor, this.symbols), 1) : 1;
    if (decl.normalize && !(divisor > 0)) this.report(decl.normalize.divisor.range, `the ${decl.normalize.divisorKind} must be positive`, 'error', 'normalization');
    let domain: VarSymbol['domain'];
    if (decl.domain) {
      // The region is stated in the network's units: (value - mean) / divisor must stay finite too.
      const bound = (e: Expr, fallback: number, what: string) => this.guarded(() => {
        const value = this.constant(e, this.symbols);
        finite((value - mean) / (divisor > 0 ? divisor : 1), e.range, what);
        return value;
      }, fallback);
      domain = { lower: bound(decl.domain.lower, -Infinity, 'the normalised lower bound'), upper: bound(decl.domain.upper, Infinity, 'the normalised upper bound') };
      if (domain.lower > domain.upper) this.report(decl.domain.lower.range, `the domain [${domain.lower}, ${domain.upper}] is inverted`, 'error', 'empty-region');
    }
    for (const g of decl.groups) {
      let length = g.indices ? g.indices.to - g.indices.from + 1 : 1;
      if (length <= 0) this.report(g.name.range, `the index range ${g.indices!.from}..${g.indices!.to} is empty`, 'error', 'dimension');
      if (this.symbols.size(decl.kind) + length > MAX_VARIABLES) {
        this.report(g.name.range, `${g.name.name}[${g.indices!.from}..${g.indices!.to}] makes more than ${MAX_VARIABLES} ${decl.kind}s, more than NetMend analyses`, 'error', 'dimension');
        length = 1;
      }
      const symbol: VarSymbol = {
        kind: decl.kind, name: g.name.name, offset: this.symbols.size(decl.kind), length: Math.max(1, length), vector: !!g.indices,
        mean, divisor: divisor > 0 ? divisor : 1, domain, unit: decl.unit?.name, decl, range: g.name.range,
      };
      this.define(symbol, g.name.range);
    }
  }

  private define(symbol: Parameters<SymbolTable['add']>[0], range: Range): void {
    const existing = this.symbols.add(symbol);
    if (existing) this.report(range, `'${symbol.name}' is already declared`, 'error', 'duplicate-name');
  }

  private property(decl: PropertyDecl): CompiledProperty[] {
    if (!decl.forEach) return [this.query(decl, decl.name.name, this.symbols)];
    const dataset = this.symbols.get(decl.forEach.dataset.name);
    if (!dataset || dataset.kind !== 'data') throw new CompileError(decl.forEach.dataset.range, `'${decl.forEach.dataset.name}' is not a data set (declare it with data ${decl.forEach.dataset.name} = "file.csv")`, 'unknown-name');
    if (dataset.points.length === 0 && this.host.readData) this.report(decl.forEach.dataset.range, `the data set '${dataset.name}' has no points: '${decl.name.name}' states nothing`, 'warning', 'empty-data');
    return dataset.points.map((point, k) => {
      const scope = new SymbolTable(this.symbols);
      scope.add({ kind: 'point', name: decl.forEach!.variable.name, point, range: decl.forEach!.variable.range });
      return { ...this.query(decl, `${decl.name.name}[${k}]`, scope), point: { index: k, values: point.values, label: point.label } };
    });
  }

  private query(decl: PropertyDecl, name: string, scope: SymbolTable): CompiledProperty {
    const n = this.symbols.size('input');
    const m = this.symbols.size('output');
    const regionDnf = this.dnf(decl.where, true, scope, 'input');
    const region: Polytope[] = regionDnf.map((conj) => this.polytope(conj, n))
      .filter((p) => p.lower.every((l, i) => l <= p.upper[i]) && (p.rows.length === 0 || this.host.isFeasible?.(p) !== false));
    // An empty region is an error, and it compiles to no region at all: never to the whole domain.
    if (region.length === 0) {
      this.report(decl.where.range, `the input region of '${name}' is empty: a bound is inverted, outside the inputs' domains, or the constraints contradict each other`, 'error', 'empty-region');
    }
    const unbounded = region.some((p) => p.lower.some((l, i) => !Number.isFinite(l) || !Number.isFinite(p.upper[i])));
    if (unbounded) this.report(decl.where.range, `some inputs of '${name}' have no lower or upper bound: give them a domain (input x in [lo, hi]) or bound them here`, 'warning', 'unbounded');
    const violation = this.dnf(decl.require, false, scope, 'output').map((conj) => conj.map((a) => this.denseRow(a, m)));
    const rows = violation.reduce((n, conj) => n + conj.length, 0);
    if (rows > MAX_VIOLATION_ROWS) throw new CompileError(decl.requireRange, `the violation of this requirement expands to ${rows} comparisons in all its clauses; NetMend handles at most ${MAX_VIOLATION_ROWS}`, 'too-complex');
    if (violation.length === 0) this.report(decl.requireRange, `the requirement of '${name}' can never be violated`, 'warning', 'trivial');
    const query: Query = { name, region, violation: violation.length ? violation : [[{ coeffs: new Float64Array(m), rhs: -1 }]] };
    return { name, declaration: decl.name.name, description: decl.description, range: decl.range, requireRange: decl.requireRange, query, clauseTexts: query.violation.map((c) => this.clauseText(c)) };
  }

  /** The declared domains intersected with a conjunction's bounds and rows, in normalised units. */
  private polytope(conj: readonly Atom[], n: number): Polytope {
    const lower = new Float64Array(n).fill(-Infinity);
    const upper = new Float64Array(n).fill(Infinity);
    for (const v of this.symbols.variables('input')) {
      if (!v.domain) continue;
      lower.fill((v.domain.lower - v.mean) / v.divisor, v.offset, v.offset + v.length);
      upper.fill((v.domain.upper - v.mean) / v.divisor, v.offset, v.offset + v.length);
    }
    const rows: LinearRow[] = [];
    for (const atom of conj) {
      if (!isBound(atom)) rows.push(atom);
      else if (atom.side === 'upper') upper[atom.index] = Math.min(upper[atom.index], atom.value);
      else lower[atom.index] = Math.max(lower[atom.index], atom.value);
    }
    const fromRows = polytopeFromRows(rows, n);
    for (let i = 0; i < n; i++) {
      lower[i] = Math.max(lower[i], fromRows.lower[i]);
      upper[i] = Math.min(upper[i], fromRows.upper[i]);
    }
    return { lower, upper, rows: fromRows.rows };
  }

  private denseRow(atom: Atom, size: number): LinearRow {
    if (!isBound(atom)) return atom;
    const coeffs = new Float64Array(size);
    coeffs[atom.index] = atom.side === 'upper' ? 1 : -1;
    return { coeffs, rhs: atom.side === 'upper' ? atom.value : -atom.value };
  }

  /** DNF (list of conjunctions of rows) of the formula (positive) or of its negation, over one variable family. */
  private dnf(f: Formula, positive: boolean, scope: SymbolTable, family: 'input' | 'output'): Atom[][] {
    switch (f.kind) {
      case 'not': return this.dnf(f.operand, !positive, scope, family);
      case 'and': case 'or': {
        const parts = f.operands.map((g) => this.dnf(g, positive, scope, family));
        if ((f.kind === 'and') === positive) {
          return parts.reduce<Atom[][]>((acc, part) => {
            // One conjunction and one more (a long where of bounds) extends in place: no quadratic copying.
            if (acc.length === 1 && part.length === 1) {
              for (const atom of part[0]) acc[0].push(atom);
              return acc;
            }
            const out: Atom[][] = [];
            for (const a of acc) for (const b of part) out.push([...a, ...b]);
            if (out.length > MAX_CLAUSES) throw new CompileError(f.range, `this formula expands to more than ${MAX_CLAUSES} cases; simplify it`, 'too-complex');
            return out;
          }, [[]]);
        }
        return parts.flat();
      }
      case 'compare': {
        const lins = f.operands.map((e) => this.linear(e, scope));
        const pairs: Atom[][] = [];
        f.ops.forEach((op, k) => {
          const [a, b] = [lins[k], lins[k + 1]];
          this.checkFamily([a, b], family, f.range);
          this.checkUnits(f.operands[k], a, f.operands[k + 1], b);
          if (op === '==' && (family === 'output' || !positive)) {
            throw new CompileError(f.range, 'an equality between real values cannot be required; use <= and >=', 'equality');
          }
          const le = (x: Lin, y: Lin) => this.row(x, y, family, f.range);
          // Strict and non-strict comparisons compile to their closure, as in VNN-LIB.
          const holds = op === '<=' || op === '<' ? [le(a, b)] : op === '>=' || op === '>' ? [le(b, a)] : [le(a, b), le(b, a)];
          const broken = op === '<=' || op === '<' ? [le(b, a)] : [le(a, b)];
          pairs.push(positive ? holds : broken);
        });
        // Positive: every pair holds (one conjunction). Negative: some pair is broken (one conjunction each).
        return positive ? [pairs.flat()] : pairs.flat().map((row) => [row]);
      }
      case 'arg': {
        if (family !== 'output') throw new CompileError(f.range, `${f.fn} speaks of the outputs; the input region (where) cannot use it`, 'family');
        const m = this.symbols.size('output');
        const targets = f.targets.map((t) => this.outputIndex(t, scope));
        // "k wins": argmax: y_j <= y_k for all j != k; argmin: y_k <= y_j (closures of the strict conditions).
        const wins = (k: number): LinearRow[] => Array.from({ length: m }, (_, j) => j).filter((j) => j !== k)
          .map((j) => (f.fn === 'argmax' ? this.diffRow(j, k, m) : this.diffRow(k, j, m)));
        const others = Array.from({ length: m }, (_, j) => j).filter((j) => !targets.includes(j));
        const loses = (k: number): LinearRow[][] => Array.from({ length: m }, (_, j) => j).filter((j) => j !== k)
          .map((j) => [f.fn === 'argmax' ? this.diffRow(k, j, m) : this.diffRow(j, k, m)]);
        const isTarget = f.op === '==' ? positive : f.op === '!=' ? !positive : positive;
        if (f.op === 'in') return positive ? targets.map(wins) : others.map(wins);
        return isTarget ? [wins(targets[0])] : loses(targets[0]);
      }
      case 'ball': {
        if (family !== 'input' || !positive) throw new CompileError(f.range, 'a ball can only describe the input region (where), and cannot be negated', 'family');
        return [this.ballRows(f, scope)];
      }
    }
  }

  /** y_a - y_b <= 0. */
  private diffRow(a: number, b: number, m: number): LinearRow {
    const coeffs = new Float64Array(m);
    coeffs[a] += 1;
    coeffs[b] -= 1;
    return { coeffs, rhs: 0 };
  }

  private ballRows(f: Extract<Formula, { kind: 'ball' }>, scope: SymbolTable): Atom[] {
    const v = scope.get(f.vector.name);
    if (!v || (v.kind !== 'input')) throw new CompileError(f.vector.range, `'${f.vector.name}' is not an input`, 'unknown-name');
    const radius = this.constant(f.radius, scope);
    if (!(radius >= 0)) throw new CompileError(f.radius.range, 'the radius must be a non-negative number', 'empty-region');
    const center = this.point(f.center, scope);
    if (center.values.length !== v.length) throw new CompileError(f.center.range, `the center has ${center.values.length} values but '${v.name}' has ${v.length}`, 'dimension');
    return center.values.flatMap((c, k): Atom[] => [
      { index: v.offset + k, side: 'upper', value: finite((c + radius - v.mean) / v.divisor, f.range, `the ball's upper bound on ${v.name}[${k}]`) },
      { index: v.offset + k, side: 'lower', value: finite((c - radius - v.mean) / v.divisor, f.range, `the ball's lower bound on ${v.name}[${k}]`) },
    ]);
  }

  private point(e: Expr, scope: SymbolTable): DataPoint {
    if (e.kind === 'ref' && !e.field) {
      const s = scope.get(e.name.name);
      if (s?.kind === 'point' && !e.index) return s.point;
      if (s?.kind === 'data' && e.index) {
        const k = this.constant(e.index, scope);
        if (!Number.isInteger(k) || k < 0 || k >= s.points.length) throw new CompileError(e.index.range, `'${s.name}' has ${s.points.length} points; index ${k} is out of range`, 'dimension');
        return s.points[k];
      }
    }
    throw new CompileError(e.range, 'expected a data point: the variable of `for each`, or dataset[index]', 'type');
  }

  private outputIndex(e: Expr, scope: SymbolTable): number {
    const m = this.symbols.size('output');
    if (e.kind === 'ref' && !e.field) {
      const s = scope.get(e.name.name);
      if (s?.kind === 'output') {
        if (s.vector && !e.index) throw new CompileError(e.range, `'${s.name}' is a vector; name one element, e.g. ${s.name}[0]`, 'dimension');
        return s.offset + (e.index ? this.elementIndex(s, e.index, scope) : 0);
      }
    }
    const k = this.constant(e, scope);
    if (!Number.isInteger(k) || k < 0 || k >= m) throw new CompileError(e.range, `output index ${k} is out of range: the outputs are 0..${m - 1}`, 'dimension');
    return k;
  }

  private elementIndex(s: VarSymbol, index: Expr, scope: SymbolTable): number {
    const k = this.constant(index, scope);
    const from = s.decl.groups.find((g) => g.name.name === s.name)?.indices?.from ?? 0;
    if (!Number.isInteger(k) || k < from || k >= from + s.length) {
      throw new CompileError(index.range, `${s.name}[${k}] is out of range: ${s.name} is ${s.name}[${from}..${from + s.length - 1}]`, 'dimension');
    }
    return k - from;
  }

  /** a <= b over the family's normalised variables: a bound when one variable remains, else a row. */
  private row(a: Lin, b: Lin, family: 'input' | 'output', range: Range): Atom {
    const combined = new Map(a.coeffs);
    b.coeffs.forEach((c, i) => combined.set(i, (combined.get(i) ?? 0) - finite(c, range)));
    const nonzero = [...combined].filter(([, c]) => c !== 0);
    if (nonzero.length === 1) {
      const [[index, c]] = nonzero;
      return { index, side: c > 0 ? 'upper' : 'lower', value: finite((b.constant - a.constant) / c, range, 'the bound of this comparison') };
    }
    const coeffs = new Float64Array(this.symbols.size(family));
    a.coeffs.forEach((c, i) => { coeffs[i] += c; });
    b.coeffs.forEach((c, i) => { coeffs[i] -= c; });
    coeffs.forEach((c) => finite(c, range, 'a coefficient of this comparison'));
    return { coeffs, rhs: finite(b.constant - a.constant, range, 'the constant of this comparison') };
  }

  private checkFamily(lins: Lin[], family: 'input' | 'output', range: Range): void {
    for (const l of lins) {
      if (l.family && l.family !== family) {
        throw new CompileError(range, family === 'input' ? 'the input region (where) cannot speak of outputs' : 'the requirement (require) speaks of outputs; the inputs belong in where', 'family');
      }
    }
  }

  /** A constant compared with one input far outside its domain or normalisation range is probably in the wrong unit. */
  private checkUnits(ea: Expr, a: Lin, eb: Expr, b: Lin): void {
    const pairs: [Lin, Lin, Expr][] = [[a, b, eb], [b, a, ea]];
    for (const [variable, constant, expr] of pairs) {
      if (variable.coeffs.size !== 1 || constant.coeffs.size !== 0 || variable.family !== 'input') continue;
      const [index] = [...variable.coeffs.keys()];
      const v = this.symbols.variableAt('input', index);
      if (!v) continue;
      const value = constant.constant;
      const scale = v.domain ? v.domain.upper - v.domain.lower : 10 * v.divisor;
      const lo = v.domain ? v.domain.lower : v.mean - scale;
      const hi = v.domain ? v.domain.upper : v.mean + scale;
      if (scale > 0 && (value < lo - scale || value > hi + scale)) {
        this.report(expr.range, `${value} is far outside ${v.name}'s ${v.domain ? `domain [${v.domain.lower}, ${v.domain.upper}]` : 'normalisation range'}${v.unit ? ` (in ${v.unit})` : ''}: a unit slip?`, 'warning', 'unit-slip');
      }
    }
  }

  private linear(e: Expr, scope: SymbolTable): Lin {
    if (e.kind !== 'binary') return this.linearTerm(e, scope);
    // The parser builds a + b + ... + z as a left-deep chain: folded in a loop, so a sum of 10,000 terms cannot
    // overflow the stack.
    const chain: Extract<Expr, { kind: 'binary' }>[] = [];
    let leftmost: Expr = e;
    while (leftmost.kind === 'binary') {
      chain.push(leftmost);
      leftmost = leftmost.left;
    }
    let value = this.linearTerm(leftmost, scope);
    for (let k = chain.length - 1; k >= 0; k--) {
      const node = chain[k];
      value = this.binary(node, value, this.linear(node.right, scope));
      finite(value.constant, node.range, 'this expression');
      value.coeffs.forEach((c) => finite(c, node.range, 'a coefficient of this expression'));
    }
    return value;
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>, l: Lin, r: Lin): Lin {
    if (e.op === '+' || e.op === '-') {
      if (l.family && r.family && l.family !== r.family) throw new CompileError(e.range, 'inputs and outputs cannot be mixed in one expression', 'family');
      const s = e.op === '+' ? 1 : -1;
      const coeffs = new Map(l.coeffs);
      r.coeffs.forEach((c, i) => coeffs.set(i, (coeffs.get(i) ?? 0) + s * c));
      return { family: l.family ?? r.family, coeffs, constant: l.constant + s * r.constant };
    }
    if (r.coeffs.size === 0 && (e.op === '/' ? r.constant !== 0 : true)) {
      const f = e.op === '*' ? r.constant : 1 / r.constant;
      return { family: l.family, coeffs: new Map([...l.coeffs].map(([i, c]) => [i, c * f])), constant: l.constant * f };
    }
    if (e.op === '*' && l.coeffs.size === 0) return { family: r.family, coeffs: new Map([...r.coeffs].map(([i, c]) => [i, c * l.constant])), constant: r.constant * l.constant };
    throw new CompileError(e.range, e.op === '/' && r.coeffs.size === 0 ? 'division by zero' : 'a product or quotient of two variables is not linear', 'nonlinear');
  }

  /** The linear form of anything but a binary operation. */
  private linearTerm(e: Exclude<Expr, { kind: 'binary' }>, scope: SymbolTable): Lin {
    switch (e.kind) {
      case 'number': return { coeffs: new Map(), constant: finite(e.value, e.range, 'this number') };
      case 'neg': {
        const v = this.linear(e.operand, scope);
        return { family: v.family, coeffs: new Map([...v.coeffs].map(([i, c]) => [i, -c])), constant: -v.constant };
      }
      case 'ref': return this.reference(e, scope);
    }
  }

  private reference(e: Extract<Expr, { kind: 'ref' }>, scope: SymbolTable): Lin {
    const s = scope.get(e.name.name);
    if (!s) throw new CompileError(e.name.range, `unknown name '${e.name.name}'`, 'unknown-name');
    if (e.field && !(s.kind === 'point' || s.kind === 'data')) throw new CompileError(e.field.range, `'${s.name}' has no field '${e.field.name}'`, 'unknown-name');
    switch (s.kind) {
      case 'const':
        if (e.index) throw new CompileError(e.range, `'${s.name}' is a number and cannot be indexed`, 'dimension');
        return { coeffs: new Map(), constant: s.value };
      case 'input': case 'output': {
        if (s.vector && !e.index) throw new CompileError(e.range, `'${s.name}' is a vector of ${s.length} values; name one element, e.g. ${s.name}[${s.decl.groups.find((g) => g.name.name === s.name)?.indices?.from ?? 0}]`, 'dimension');
        if (!s.vector && e.index) throw new CompileError(e.range, `'${s.name}' is a single value and cannot be indexed`, 'dimension');
        const k = s.offset + (e.index ? this.elementIndex(s, e.index, scope) : 0);
        // The physical value is divisor * (network value) + mean.
        return { family: s.kind, coeffs: new Map([[k, s.divisor]]), constant: s.mean };
      }
      case 'point': case 'data': {
        const p = this.point({ ...e, field: undefined, range: e.range }, scope);
        if (e.field?.name !== 'label') throw new CompileError(e.range, 'a data point is a vector; use it as a ball center (x within r of p) or take p.label', 'type');
        if (p.label === undefined) throw new CompileError(e.range, 'this data point has no label', 'data');
        return { coeffs: new Map(), constant: p.label };
      }
    }
  }

  private constant(e: Expr, scope: SymbolTable): number {
    const v = this.linear(e, scope);
    if (v.coeffs.size > 0) throw new CompileError(e.range, 'expected a constant, not an expression of inputs or outputs', 'type');
    return v.constant;
  }

  /** A violation clause as a person reads it, in the outputs' physical units: "SL <= COC and SL <= WL". */
  private clauseText(conj: readonly LinearRow[]): string {
    const physical = (i: number) => this.symbols.variableAt('output', i);
    const fmt = (v: number) => String(Number(v.toPrecision(6)));
    return conj.map((row) => {
      const terms = [...row.coeffs.keys()].filter((i) => row.coeffs[i] !== 0);
      const name = (i: number) => this.symbols.elementName('output', i);
      if (terms.length === 1) {
        // c * y <= rhs with y = (Y - mean) / divisor for the physical value Y.
        const [i] = terms;
        const c = row.coeffs[i];
        const v = physical(i);
        const bound = (row.rhs / c) * (v?.divisor ?? 1) + (v?.mean ?? 0);
        return `${name(i)} ${c > 0 ? '<=' : '>='} ${fmt(bound)}`;
      }
      const [i, j] = terms;
      const sameScale = physical(i)?.divisor === physical(j)?.divisor;
      if (terms.length === 2 && row.rhs === 0 && sameScale && row.coeffs[i] === -row.coeffs[j]) {
        return row.coeffs[i] > 0 ? `${name(i)} <= ${name(j)}` : `${name(j)} <= ${name(i)}`;
      }
      const lhs = terms.map((k) => `${row.coeffs[k] < 0 ? '- ' : '+ '}${fmt(Math.abs(row.coeffs[k]))} ${name(k)}`).join(' ').replace(/^\+ /, '');
      return `${lhs} <= ${fmt(row.rhs)} (normalised outputs)`;
    }).join(' and ');
  }

  /** The value fn computes, or (its error reported) the fallback. */
  private guarded<T>(fn: () => T, fallback: T): T {
    let value = fallback;
    this.guard(() => { value = fn(); });
    return value;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof CompileError)) throw err;
      this.report(err.range, err.message, 'error', err.code);
    }
  }

  private report(range: Range, message: string, severity: SpecDiagnostic['severity'], code: string): void {
    this.diagnostics.push({ severity, message, range, code });
  }
}
