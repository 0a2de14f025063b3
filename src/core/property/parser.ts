/**
 * Recursive-descent parser for .prop files with error recovery: a syntax error is recorded, the parser skips to the
 * next declaration (or to `require` / `}` inside a property) and goes on, so one pass reports every error.
 */
import type { CompareOp, ConstDecl, DataDecl, Decl, Expr, Formula, Ident, ModelDecl, PropertyDecl, PropFile, VarDecl, VarGroup } from './ast';
import { rangeOf, type SpecDiagnostic } from './diagnostics';
import { MAX_TOKENS, tokenize, type Range, type Token } from './lexer';

export const DECLARATION_KEYWORDS = ['model', 'input', 'output', 'const', 'data', 'property'] as const;
export const RESERVED = new Set<string>([...DECLARATION_KEYWORDS, 'where', 'require', 'and', 'or', 'not', 'in', 'argmax', 'argmin', 'within', 'of', 'for', 'each']);
const COMPARE = new Set(['<=', '>=', '<', '>', '==']);

/** Parentheses, `not`s and unary minuses nest at most this deep (the parser and the compiler recurse on them). */
export const MAX_NESTING = 256;

class SyntaxError_ extends Error {
  constructor(readonly range: Range, message: string) { super(message); }
}

export function parse(text: string): { file: PropFile; diagnostics: SpecDiagnostic[] } {
  return new Parser(tokenize(text)).parseFile();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly diagnostics: SpecDiagnostic[] = [];

  constructor(private readonly tokens: Token[]) {}

  parseFile(): { file: PropFile; diagnostics: SpecDiagnostic[] } {
    const decls: Decl[] = [];
    while (this.peek().kind !== 'eof') {
      const start = this.pos;
      try {
        decls.push(this.declaration());
      } catch (err) {
        if (!(err instanceof SyntaxError_)) throw err;
        this.error(err.range, err.message);
        if (this.pos === start) this.pos++;
        this.skipTo((t) => t.kind === 'name' && (DECLARATION_KEYWORDS as readonly string[]).includes(t.text));
      }
    }
    for (const t of this.tokens) {
      if (t.kind !== 'bad') continue;
      const message = t.text === '' ? `the file has more than ${MAX_TOKENS} tokens; the rest is not checked` : t.text.startsWith('"') ? 'unterminated string' : `unexpected character '${t.text}'`;
      this.error(t.range, message);
    }
    return { file: { decls }, diagnostics: this.diagnostics };
  }

  private declaration(): Decl {
    const t = this.peek();
    switch (t.kind === 'name' ? t.text : '') {
      case 'model': return this.model();
      case 'input': case 'output': return this.varDecl();
      case 'const': return this.constDecl();
      case 'data': return this.dataDecl();
      case 'property': return this.property();
      default: throw new SyntaxError_(t.range, `expected a declaration (${DECLARATION_KEYWORDS.join(', ')}), found ${describe(t)}`);
    }
  }

  private model(): ModelDecl {
    const kw = this.next();
    const path = this.string('the model path, e.g. "network.onnx"');
    return { kind: 'model', path: path.value, range: rangeOf(kw.range, path.range) };
  }

  private varDecl(): VarDecl {
    const kw = this.next();
    const kind = kw.text as 'input' | 'output';
    const groups: VarGroup[] = [this.varGroup()];
    while (this.accept(',')) groups.push(this.varGroup());
    let domain: VarDecl['domain'];
    let unit: Ident | undefined;
    let normalize: VarDecl['normalize'];
    let end = this.prev().range;
    for (;;) {
      if (this.acceptWord('in')) {
        this.expect('[');
        const lower = this.expr();
        this.expect(',');
        const upper = this.expr();
        end = this.expect(']').range;
        domain = { lower, upper };
      } else if (this.acceptWord('unit')) {
        unit = this.ident();
        end = unit.range;
      } else if (this.acceptWord('normalize')) {
        this.expectWord('mean');
        const mean = this.expr();
        const divisorKind = this.acceptWord('std') ? 'std' : (this.expectWord('range'), 'range');
        const divisor = this.expr();
        normalize = { mean, divisorKind, divisor };
        end = divisor.range;
      } else break;
    }
    return { kind, groups, domain, unit, normalize, range: rangeOf(kw.range, end) };
  }

  private varGroup(): VarGroup {
    const name = this.ident();
    if (!this.accept('[')) return { name };
    const from = this.integer();
    this.expect('..');
    const to = this.integer();
    this.expect(']');
    return { name, indices: { from, to } };
  }

  private constDecl(): ConstDecl {
    const kw = this.next();
    const name = this.ident();
    this.expect('=');
    const value = this.expr();
    return { kind: 'const', name, value, range: rangeOf(kw.range, value.range) };
  }

  private dataDecl(): DataDecl {
    const kw = this.next();
    const name = this.ident();
    this.expect('=');
    const path = this.string('a data file path, e.g. "points.csv"');
    return { kind: 'data', name, path: path.value, range: rangeOf(kw.range, path.range) };
  }

  private property(): PropertyDecl {
    const kw = this.next();
    const name = this.ident();
    const description = this.peek().kind === 'string' ? this.string('').value : undefined;
    let forEach: PropertyDecl['forEach'];
    if (this.acceptWord('for')) {
      this.expectWord('each');
      const variable = this.ident();
      this.expectWord('in');
      forEach = { variable, dataset: this.ident() };
    }
    this.expect('{');
    let where: Formula | undefined;
    let require: Formula | undefined;
    let requireRange = name.range;
    // Each clause recovers on its own, so an error in `where` still lets `require` be checked.
    const clause = (word: string): Formula | undefined => {
      try {
        this.expectWord(word);
        return this.formula();
      } catch (err) {
        if (!(err instanceof SyntaxError_)) throw err;
        this.error(err.range, err.message);
        this.skipTo((t) => (t.kind === 'name' && (t.text === 'require' || t.text === 'property')) || t.text === '}');
        return undefined;
      }
    };
    where = clause('where');
    const requireStart = this.peek().range;
    require = clause('require');
    if (require) requireRange = rangeOf(requireStart, require.range);
    const close = this.expect('}');
    const empty = (r: Range): Formula => ({ kind: 'and', operands: [], range: r });
    where ??= empty(name.range);
    require ??= empty(name.range);
    return { kind: 'property', name, description, forEach, where, require, requireRange, range: rangeOf(kw.range, close.range) };
  }

  // Formulas: or > and (also ',') > not > atoms.
  private formula(): Formula {
    const first = this.conjunction();
    const operands = [first];
    while (this.acceptWord('or')) operands.push(this.conjunction());
    return operands.length === 1 ? first : { kind: 'or', operands, range: rangeOf(first.range, operands[operands.length - 1].range) };
  }

  private conjunction(): Formula {
    const first = this.negation();
    const operands = [first];
    while (this.acceptWord('and') || this.accept(',')) operands.push(this.negation());
    return operands.length === 1 ? first : { kind: 'and', operands, range: rangeOf(first.range, operands[operands.length - 1].range) };
  }

  /** fn one level deeper, refused past MAX_NESTING at the token that opens the level. */
  private nested<T>(fn: () => T): T {
    if (this.depth === MAX_NESTING) throw new SyntaxError_(this.peek().range, `nested more than ${MAX_NESTING} levels deep (parentheses, not, unary minus)`);
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private negation(): Formula {
    return this.nested(() => this.negationBody());
  }

  private negationBody(): Formula {
    const t = this.peek();
    if (this.acceptWord('not')) {
      const operand = this.negation();
      return { kind: 'not', operand, range: rangeOf(t.range, operand.range) };
    }
    if (t.text === '(') {
      // A parenthesised formula, unless what follows the ')' shows it was an arithmetic expression.
      const save = this.pos;
      const diagnostics = this.diagnostics.length;
      try {
        this.next();
        const inner = this.formula();
        this.expect(')');
        if (!COMPARE.has(this.peek().text) && !['+', '-', '*', '/'].includes(this.peek().text)) return inner;
      } catch (err) {
        if (!(err instanceof SyntaxError_)) throw err;
      }
      this.pos = save;
      this.diagnostics.length = diagnostics;
    }
    return this.atom();
  }

  private atom(): Formula {
    const t = this.peek();
    if (t.kind === 'name' && (t.text === 'argmax' || t.text === 'argmin')) {
      this.next();
      if (this.accept('(')) this.expect(')');
      const opTok = this.peek();
      let op: '==' | '!=' | 'in';
      let targets: Expr[];
      if (this.acceptWord('in')) {
        op = 'in';
        this.expect('{');
        targets = [this.expr()];
        while (this.accept(',')) targets.push(this.expr());
        this.expect('}');
      } else if (opTok.text === '==' || opTok.text === '!=') {
        this.next();
        op = opTok.text;
        targets = [this.expr()];
      } else throw new SyntaxError_(opTok.range, `expected ==, != or in after ${t.text}, found ${describe(opTok)}`);
      return { kind: 'arg', fn: t.text, op, targets, range: rangeOf(t.range, this.prev().range) };
    }
    if (t.kind === 'name' && this.tokens[this.pos + 1]?.text === 'within') {
      const vector = this.ident();
      this.next();
      const radius = this.expr();
      this.expectWord('of');
      const center = this.expr();
      return { kind: 'ball', vector, radius, center, range: rangeOf(t.range, center.range) };
    }
    const first = this.expr();
    const operands = [first];
    const ops: CompareOp[] = [];
    while (COMPARE.has(this.peek().text)) {
      ops.push(this.next().text as CompareOp);
      operands.push(this.expr());
    }
    if (ops.length === 0) throw new SyntaxError_(this.peek().range, `expected a comparison (<=, >=, <, >, ==) after the expression, found ${describe(this.peek())}`);
    return { kind: 'compare', operands, ops, range: rangeOf(first.range, operands[operands.length - 1].range) };
  }

  // Expressions: + - > * / > unary minus > primary.
  private expr(): Expr {
    let left = this.term();
    while (this.peek().text === '+' || this.peek().text === '-') {
      const op = this.next().text as '+' | '-';
      const right = this.term();
      left = { kind: 'binary', op, left, right, range: rangeOf(left.range, right.range) };
    }
    return left;
  }

  private term(): Expr {
    let left = this.unary();
    while (this.peek().text === '*' || this.peek().text === '/') {
      const op = this.next().text as '*' | '/';
      const right = this.unary();
      left = { kind: 'binary', op, left, right, range: rangeOf(left.range, right.range) };
    }
    return left;
  }

  private unary(): Expr {
    return this.nested(() => {
      const t = this.peek();
      if (this.accept('-')) {
        const operand = this.unary();
        return { kind: 'neg', operand, range: rangeOf(t.range, operand.range) };
      }
      return this.primary();
    });
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { kind: 'number', value: Number(t.text), range: t.range };
    }
    if (this.accept('(')) {
      const inner = this.expr();
      this.expect(')');
      return inner;
    }
    if (t.kind === 'name' && !RESERVED.has(t.text)) {
      const name = this.ident();
      let index: Expr | undefined;
      let field: Ident | undefined;
      if (this.accept('[')) {
        index = this.expr();
        this.expect(']');
      }
      if (this.accept('.')) field = this.ident();
      return { kind: 'ref', name, index, field, range: rangeOf(t.range, this.prev().range) };
    }
    throw new SyntaxError_(t.range, `expected a number, a name or '(', found ${describe(t)}`);
  }

  // Token helpers.
  private peek(): Token { return this.tokens[this.pos]; }
  private prev(): Token { return this.tokens[Math.max(0, this.pos - 1)]; }
  private next(): Token { return this.tokens[this.pos < this.tokens.length - 1 ? this.pos++ : this.pos]; }
  private accept(text: string): boolean {
    if (this.peek().kind === 'punct' && this.peek().text === text) { this.pos++; return true; }
    return false;
  }
  private acceptWord(word: string): boolean {
    if (this.peek().kind === 'name' && this.peek().text === word) { this.pos++; return true; }
    return false;
  }
  private expect(text: string): Token {
    if (this.accept(text)) return this.prev();
    throw new SyntaxError_(this.peek().range, `expected '${text}', found ${describe(this.peek())}`);
  }
  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw new SyntaxError_(this.peek().range, `expected '${word}', found ${describe(this.peek())}`);
  }
  private ident(): Ident {
    const t = this.peek();
    if (t.kind !== 'name' || RESERVED.has(t.text)) throw new SyntaxError_(t.range, `expected a name, found ${describe(t)}`);
    this.next();
    return { name: t.text, range: t.range };
  }
  private integer(): number {
    const t = this.peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) throw new SyntaxError_(t.range, `expected a whole number, found ${describe(t)}`);
    this.next();
    return Number(t.text);
  }
  private string(what: string): { value: string; range: Range } {
    const t = this.peek();
    if (t.kind !== 'string') throw new SyntaxError_(t.range, `expected ${what || 'a string'}, found ${describe(t)}`);
    this.next();
    return { value: t.text.slice(1, -1), range: t.range };
  }
  private skipTo(stop: (t: Token) => boolean): void {
    while (this.peek().kind !== 'eof' && !stop(this.peek())) this.pos++;
  }
  private error(range: Range, message: string): void {
    this.diagnostics.push({ severity: 'error', message, range, code: 'syntax' });
  }
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'the end of the file' : `'${t.text}'`;
}
