/**
 * VNN-LIB (the VNN-COMP interchange format, an SMT-LIB subset over X_i and Y_i) <-> the normal form.
 * Every assert must speak of inputs only or of outputs only; the input asserts give the region (their DNF: a union of
 * polytopes), the output asserts the violation (their DNF).
 */
import { InputError } from '../errors';
import { MAX_CLAUSES, MAX_VARIABLES, MAX_VIOLATION_ROWS, polytopeFromRows, type LinearRow, type Polytope, type Query } from '../query/normalForm';
import { readSExprs, type SExpr } from './sexpr';

interface Linear { coeffs: Map<string, number>; constant: number }

export function parseVnnlib(text: string, file?: string): Query {
  const exprs = readSExprs(text, file);
  const where = (e: SExpr) => ({ file, line: e.line, column: e.column });
  let inputs = 0;
  let outputs = 0;
  const asserts: SExpr[] = [];
  for (const e of exprs) {
    if (e.kind !== 'list' || e.items[0]?.kind !== 'atom') throw new InputError('expected (declare-const ...) or (assert ...)', where(e));
    const head = e.items[0].text;
    if (head === 'declare-const') {
      const name = e.items[1]?.kind === 'atom' ? e.items[1].text : '';
      const m = /^([XY])_(\d+)$/.exec(name);
      if (!m) throw new InputError(`variables must be named X_i or Y_i, got '${name}'`, where(e));
      if (Number(m[2]) >= MAX_VARIABLES) throw new InputError(`${name}: NetMend analyses at most ${MAX_VARIABLES} inputs and outputs`, where(e));
      if (m[1] === 'X') inputs = Math.max(inputs, Number(m[2]) + 1);
      else outputs = Math.max(outputs, Number(m[2]) + 1);
    } else if (head === 'assert') {
      asserts.push(e.items[1]);
    } else {
      throw new InputError(`unsupported command '${head}'`, where(e));
    }
  }
  if (inputs === 0 || outputs === 0) throw new InputError('the file declares no X_i or no Y_i variables', { file });
  const sizes = { X: inputs, Y: outputs };
  // Asserts over one family multiply out separately (MNIST has 1568 input asserts); mixed asserts join the product last.
  const families = asserts.map((a) => familiesOf(a));
  const sized = (keep: (f: Set<string>) => boolean) => asserts.filter((_, k) => keep(families[k])).map(dnfSize).reduce(andSize, { terms: 1, rows: 0 });
  const count = sized(() => true).terms;
  const big = (n: number) => (n > 1e15 ? n.toExponential(2) : String(n));
  if (count > MAX_CLAUSES) {
    throw new InputError(`the asserts expand to ${big(count)} cases (input polytopes times output clauses); NetMend handles at most ${MAX_CLAUSES}`, { file });
  }
  const outputRows = sized((f) => f.has('Y')).rows;
  if (outputRows > MAX_VIOLATION_ROWS) {
    throw new InputError(`the output conditions expand to ${big(outputRows)} comparisons in all their clauses; NetMend handles at most ${MAX_VIOLATION_ROWS}`, { file });
  }
  const conjunction = (keep: (f: Set<string>) => boolean): Dnf => asserts.filter((_, k) => keep(families[k]))
    .reduce<Dnf>((acc, a) => andDnf(acc, formulaDnf(a, sizes, file)), [[]]);
  const byFamily = (family: 'X' | 'Y'): Dnf => conjunction((f) => f.size === 1 && f.has(family));
  const mixed = conjunction((f) => f.size !== 1);
  const terms = andDnf(andDnf(byFamily('X'), byFamily('Y')), mixed);
  const { region, violation } = factor(terms, file);
  const polytopes = region.map((conj) => polytopeFromRows(conj.map((r) => r.row), inputs));
  if (polytopes.every((p) => p.lower.some((l, i) => l > p.upper[i]))) throw emptyRegion(region[0], polytopes[0], file);
  return {
    name: file ? file.replace(/^.*[\\/]/, '').replace(/\.vnnlib$/, '') : 'vnnlib',
    region: polytopes,
    violation: violation.map((conj) => conj.map((r) => r.row)),
  };
}

interface TaggedRow { readonly family: 'X' | 'Y'; readonly row: LinearRow; readonly line: number; readonly column: number }
type Dnf = TaggedRow[][];

/** Says which input's bounds cross, at the assert that gives its upper bound. */
function emptyRegion(conj: readonly TaggedRow[], p: Polytope, file?: string): InputError {
  const i = p.lower.findIndex((l, k) => l > p.upper[k]);
  const bounding = conj.find((r) => r.row.coeffs[i] > 0 && r.row.coeffs.every((c, k) => k === i || c === 0)) ?? conj[0];
  return new InputError(`the input region is empty: X_${i} must be at least ${p.lower[i]} and at most ${p.upper[i]}`, { file, line: bounding?.line, column: bounding?.column });
}

interface DnfSize { readonly terms: number; readonly rows: number }

/** The conjunction of two DNFs' sizes: every term of one with every term of the other. */
const andSize = (a: DnfSize, b: DnfSize): DnfSize => ({ terms: a.terms * b.terms, rows: a.rows * b.terms + b.rows * a.terms });

/** How many conjunctions a formula's DNF has, and rows in all of them, without building it. */
function dnfSize(e: SExpr | undefined): DnfSize {
  if (!e || e.kind !== 'list' || e.items[0]?.kind !== 'atom') return { terms: 1, rows: 1 };
  const args = e.items.slice(1);
  switch (e.items[0].text) {
    case 'and': return args.map(dnfSize).reduce(andSize, { terms: 1, rows: 0 });
    case 'or': return args.map(dnfSize).reduce((sum, s) => ({ terms: sum.terms + s.terms, rows: sum.rows + s.rows }), { terms: 0, rows: 0 });
    case '=': return { terms: 1, rows: 2 };
    default: return { terms: 1, rows: 1 };
  }
}

/** Writes a DNF whose terms are (input part) AND (output part) as region x violation; it must be such a product. */
function factor(terms: Dnf, file?: string): { region: TaggedRow[][]; violation: TaggedRow[][] } {
  // One conjunction (a box and one output condition, the common case) is trivially a product.
  if (terms.length === 1) return { region: [terms[0].filter((r) => r.family === 'X')], violation: [terms[0].filter((r) => r.family === 'Y')] };
  const rowKey = (r: TaggedRow) => `${r.family}${r.row.coeffs.reduce((k, c, i) => (c !== 0 ? `${k} ${i}:${c}` : k), '')}<=${r.row.rhs}`;
  const key = (conj: TaggedRow[]) => conj.map(rowKey).sort().join(';');
  const parts = (family: 'X' | 'Y') => {
    const unique = new Map<string, TaggedRow[]>();
    for (const t of terms) {
      const part = t.filter((r) => r.family === family);
      unique.set(key(part), part);
    }
    return unique;
  };
  const region = parts('X');
  const violation = parts('Y');
  const present = new Set(terms.map((t) => `${key(t.filter((r) => r.family === 'X'))}|${key(t.filter((r) => r.family === 'Y'))}`));
  if (present.size !== region.size * violation.size) {
    throw new InputError('the constraints are not (input region) and (output condition): different input regions demand different output conditions, which NetMend does not support', { file });
  }
  return { region: [...region.values()], violation: [...violation.values()] };
}

function familiesOf(e: SExpr | undefined, out = new Set<string>()): Set<string> {
  if (!e) return out;
  if (e.kind === 'atom') {
    const m = /^([XY])_\d+$/.exec(e.text);
    if (m) out.add(m[1]);
  } else e.items.forEach((x) => familiesOf(x, out));
  return out;
}

/** The conjunction of two DNFs. Single-term operands (1568 box asserts on MNIST) extend in place instead of copying. */
function andDnf(a: Dnf, b: Dnf): Dnf {
  if (a.length === 1 && b.length === 1) {
    for (const row of b[0]) a[0].push(row);
    return a;
  }
  const out: Dnf = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out;
}

function formulaDnf(e: SExpr | undefined, sizes: { X: number; Y: number }, file?: string): Dnf {
  if (!e || e.kind !== 'list' || e.items[0]?.kind !== 'atom') {
    throw new InputError('expected a formula: (and ...), (or ...), (<= a b), (>= a b) or (= a b)', e ? { file, line: e.line, column: e.column } : { file });
  }
  const op = e.items[0].text;
  const args = e.items.slice(1);
  const loc = { file, line: e.line, column: e.column };
  switch (op) {
    case 'and': return args.reduce<Dnf>((acc, a) => andDnf(acc, formulaDnf(a, sizes, file)), [[]]);
    case 'or': return args.flatMap((a) => formulaDnf(a, sizes, file));
    case '<=': case '<': case '>=': case '>': case '=': {
      if (args.length !== 2) throw new InputError(`${op} takes two arguments`, loc);
      const [l, r] = args.map((a) => linear(a, file));
      // Strict comparisons are read as non-strict, as VNN-COMP does: the closure of the region.
      const pairs: [Linear, Linear][] = op === '<=' || op === '<' ? [[l, r]] : op === '=' ? [[l, r], [r, l]] : [[r, l]];
      return [pairs.map(([a, b]) => row(a, b, sizes, loc))];
    }
    default: throw new InputError(`unsupported operator '${op}' (supported: and, or, <=, >=, <, >, =)`, loc);
  }
}

/** l <= r as coeffs . v <= rhs over one variable family. */
function row(l: Linear, r: Linear, sizes: { X: number; Y: number }, loc: { file?: string; line: number; column: number }): TaggedRow {
  const names = [...l.coeffs.keys(), ...r.coeffs.keys()];
  const family = (names[0]?.[0] ?? 'X') as 'X' | 'Y';
  if (names.some((n) => n[0] !== family)) throw new InputError('a comparison between inputs (X) and outputs (Y) is not supported', loc);
  const coeffs = new Float64Array(sizes[family]);
  const add = (m: Map<string, number>, sign: number) => m.forEach((c, name) => {
    const idx = Number(name.slice(2));
    if (idx >= sizes[family]) throw new InputError(`'${name}' is not declared`, loc);
    coeffs[idx] += sign * c;
  });
  add(l.coeffs, 1);
  add(r.coeffs, -1);
  const rhs = r.constant - l.constant;
  if (!Number.isFinite(rhs) || coeffs.some((c) => !Number.isFinite(c))) throw new InputError('this comparison overflows float64 (a constant too large)', loc);
  return { family, row: { coeffs, rhs }, line: loc.line, column: loc.column };
}

function linear(e: SExpr, file?: string): Linear {
  const loc = { file, line: e.line, column: e.column };
  if (e.kind === 'atom') {
    if (/^[XY]_\d+$/.test(e.text)) return { coeffs: new Map([[e.text, 1]]), constant: 0 };
    const v = DECIMAL.test(e.text) ? Number(e.text) : NaN;
    if (Number.isNaN(v)) throw new InputError(`'${e.text}' is neither a number nor a variable (numbers are written in decimal)`, loc);
    if (!Number.isFinite(v)) throw new InputError(`${e.text} is too large for a float64 number`, loc);
    return { coeffs: new Map(), constant: v };
  }
  const op = e.items[0]?.kind === 'atom' ? e.items[0].text : '';
  const args = e.items.slice(1).map((a) => linear(a, file));
  const sum = (terms: Linear[], signs: number[]): Linear => {
    const coeffs = new Map<string, number>();
    let constant = 0;
    terms.forEach((t, k) => {
      t.coeffs.forEach((c, n) => coeffs.set(n, (coeffs.get(n) ?? 0) + signs[k] * c));
      constant += signs[k] * t.constant;
    });
    return { coeffs, constant };
  };
  const result = ((): Linear => {
    switch (op) {
      case '+': return sum(args, args.map(() => 1));
      case '-': return args.length === 1 ? sum(args, [-1]) : sum(args, args.map((_, k) => (k === 0 ? 1 : -1)));
      case '*': {
        const vars = args.filter((a) => a.coeffs.size > 0);
        if (vars.length > 1) throw new InputError('products of variables are not linear', loc);
        const factor = args.filter((a) => a.coeffs.size === 0).reduce((p, a) => p * a.constant, 1);
        const base = vars[0] ?? { coeffs: new Map(), constant: 1 };
        return { coeffs: new Map([...base.coeffs].map(([n, c]) => [n, c * factor])), constant: base.constant * factor };
      }
      default: throw new InputError(`unsupported term '${op}' (supported: +, -, *, numbers, X_i, Y_i)`, loc);
    }
  })();
  if (!Number.isFinite(result.constant) || [...result.coeffs.values()].some((c) => !Number.isFinite(c))) {
    throw new InputError('this term overflows float64 (a constant too large)', loc);
  }
  return result;
}

/** SMT-LIB numerals and decimals (a sign and an exponent allowed, as VNN-COMP files write them); no hex, no Infinity. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Decimal without exponent (SMT-LIB has no exponent notation), exact enough to round-trip a float64. */
const num = (v: number): string => {
  if (Number.isInteger(v)) return v.toFixed(1);
  const text = String(v);
  return text.includes('e') ? v.toFixed(Math.min(100, 20 - Math.floor(Math.log10(Math.abs(v))))).replace(/0+$/, '') : text;
};

function rowText(r: LinearRow, family: string): string {
  const terms = [...r.coeffs.keys()].filter((i) => r.coeffs[i] !== 0)
    .map((i) => (r.coeffs[i] === 1 ? `${family}_${i}` : `(* ${num(r.coeffs[i])} ${family}_${i})`));
  return `(<= ${terms.length === 1 ? terms[0] : `(+ ${terms.join(' ')})`} ${num(r.rhs)})`;
}

function polytopeAtoms(p: Polytope): string[] {
  const atoms: string[] = [];
  p.lower.forEach((lo, i) => {
    if (lo > -Infinity) atoms.push(`(>= X_${i} ${num(lo)})`);
    if (p.upper[i] < Infinity) atoms.push(`(<= X_${i} ${num(p.upper[i])})`);
  });
  return [...atoms, ...p.rows.map((r) => rowText(r, 'X'))];
}

function dnfAsserts(conjs: string[][]): string[] {
  if (conjs.length === 1) return conjs[0].map((a) => `(assert ${a})`);
  return [`(assert (or\n${conjs.map((c) => `    (and ${c.join(' ')})`).join('\n')}\n))`];
}

export function writeVnnlib(query: Query): string {
  const inputs = query.region[0].lower.length;
  const outputs = query.violation[0]?.[0]?.coeffs.length ?? 0;
  return [
    `; ${query.name}: written by NetMend. A counterexample is an input in the region whose outputs satisfy the last assert(s).`,
    ...Array.from({ length: inputs }, (_, i) => `(declare-const X_${i} Real)`),
    ...Array.from({ length: outputs }, (_, i) => `(declare-const Y_${i} Real)`),
    '',
    ...dnfAsserts(query.region.map(polytopeAtoms)),
    '',
    ...dnfAsserts(query.violation.map((conj) => conj.map((r) => rowText(r, 'Y')))),
    '',
  ].join('\n');
}
