/** The typed syntax tree of a .prop file. Every node keeps its source range for diagnostics, hovers and CodeLens. */
import type { Range } from './lexer';

export interface Ident { readonly name: string; readonly range: Range }

/** `name` for one value, or `name[from..to]` for a vector of values. */
export interface VarGroup { readonly name: Ident; readonly indices?: { readonly from: number; readonly to: number } }

export interface Normalization {
  readonly mean: Expr;
  /** Whether the divisor was written as a range (min-max scaling) or a standard deviation: the formula is the same. */
  readonly divisorKind: 'range' | 'std';
  readonly divisor: Expr;
}

export interface VarDecl {
  readonly kind: 'input' | 'output';
  readonly groups: readonly VarGroup[];
  readonly domain?: { readonly lower: Expr; readonly upper: Expr };
  readonly unit?: Ident;
  readonly normalize?: Normalization;
  readonly range: Range;
}

export interface ModelDecl { readonly kind: 'model'; readonly path: string; readonly range: Range }
export interface ConstDecl { readonly kind: 'const'; readonly name: Ident; readonly value: Expr; readonly range: Range }
export interface DataDecl { readonly kind: 'data'; readonly name: Ident; readonly path: string; readonly range: Range }

export interface PropertyDecl {
  readonly kind: 'property';
  readonly name: Ident;
  readonly description?: string;
  /** `for each p in dataset`: one query per data point. */
  readonly forEach?: { readonly variable: Ident; readonly dataset: Ident };
  readonly where: Formula;
  readonly require: Formula;
  readonly requireRange: Range;
  readonly range: Range;
}

export type Decl = ModelDecl | VarDecl | ConstDecl | DataDecl | PropertyDecl;

export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly range: Range }
  | { readonly kind: 'ref'; readonly name: Ident; readonly index?: Expr; readonly field?: Ident; readonly range: Range }
  | { readonly kind: 'neg'; readonly operand: Expr; readonly range: Range }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/'; readonly left: Expr; readonly right: Expr; readonly range: Range };

export type CompareOp = '<=' | '>=' | '<' | '>' | '==';

export type Formula =
  | { readonly kind: 'and' | 'or'; readonly operands: readonly Formula[]; readonly range: Range }
  | { readonly kind: 'not'; readonly operand: Formula; readonly range: Range }
  /** A chain a op b op c ... (each adjacent pair compared). */
  | { readonly kind: 'compare'; readonly operands: readonly Expr[]; readonly ops: readonly CompareOp[]; readonly range: Range }
  /** argmax/argmin (over all outputs) == / != a target, or in a set of targets. */
  | { readonly kind: 'arg'; readonly fn: 'argmax' | 'argmin'; readonly op: '==' | '!=' | 'in'; readonly targets: readonly Expr[]; readonly range: Range }
  /** `v within eps of center`: an L-inf ball around a point (a data point or a constant vector). */
  | { readonly kind: 'ball'; readonly vector: Ident; readonly radius: Expr; readonly center: Expr; readonly range: Range };

export interface PropFile { readonly decls: readonly Decl[] }
