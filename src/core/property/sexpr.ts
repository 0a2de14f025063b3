/** A small S-expression reader (for VNN-LIB), keeping each atom's line and column for error messages. */
import { InputError } from '../errors';

export type SExpr = SAtom | SList;
export interface SAtom { readonly kind: 'atom'; readonly text: string; readonly line: number; readonly column: number }
export interface SList { readonly kind: 'list'; readonly items: SExpr[]; readonly line: number; readonly column: number }

/** Deeper nesting is refused (VNN-LIB files nest a handful of levels; the readers of a formula recurse). */
export const MAX_NESTING = 256;

export function readSExprs(text: string, file?: string): SExpr[] {
  const top: SExpr[] = [];
  const stack: { items: SExpr[]; line: number; column: number }[] = [];
  let line = 1;
  let col = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\n') { line++; col = 1; i++; continue; }
    if (ch === ';') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (ch === ' ' || ch === '\t' || ch === '\r') { i++; col++; continue; }
    if (ch === '(') {
      if (stack.length === MAX_NESTING) throw new InputError(`the expression is nested more than ${MAX_NESTING} levels deep`, { file, line, column: col });
      stack.push({ items: [], line, column: col });
      i++; col++;
      continue;
    }
    if (ch === ')') {
      const open = stack.pop();
      if (!open) throw new InputError('unmatched )', { file, line, column: col });
      const list: SList = { kind: 'list', items: open.items, line: open.line, column: open.column };
      (stack.length ? stack[stack.length - 1].items : top).push(list);
      i++; col++;
      continue;
    }
    const start = i;
    while (i < text.length && !/[\s();]/.test(text[i])) i++;
    const atom: SAtom = { kind: 'atom', text: text.slice(start, i), line, column: col };
    col += i - start;
    (stack.length ? stack[stack.length - 1].items : top).push(atom);
  }
  if (stack.length) {
    const open = stack[stack.length - 1];
    throw new InputError('unclosed ( : the file ends inside this expression', { file, line: open.line, column: open.column });
  }
  return top;
}
