/** A small S-expression reader (for VNN-LIB), keeping each atom's line and column for error messages. */
import { InputError } from '../errors';

export type SExpr = SAtom | SList;
export interface SAtom { readonly kind: 'atom'; readonly text: string; readonly line: number; readonly column: number }
export interface SList { readonly kind: 'list'; readonly items: SExpr[]; readonly line: number; readonly column: number }

/** Deeper nesting is refused (VNN-LIB files nest a handful of levels; the readers of a formula recurse). */
export const MAX_NESTING = 256;

/** Whitespace (any, so that no character is neither whitespace nor part of a token), '(' , ')' and ';' end an atom. */
const isDelimiter = (c: number): boolean => c === 40 || c === 41 || c === 59 || c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029 || (c >= 0x2000 && c <= 0x200a) || c === 0x1680 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0x85;

export function readSExprs(text: string, file?: string): SExpr[] {
  const top: SExpr[] = [];
  const stack: { items: SExpr[]; line: number; column: number }[] = [];
  let line = 1;
  let col = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) { line++; col = 1; i++; continue; }
    if (c === 59) { while (i < n && text.charCodeAt(i) !== 10) i++; continue; }
    if (c === 40) {
      if (stack.length === MAX_NESTING) throw new InputError(`the expression is nested more than ${MAX_NESTING} levels deep`, { file, line, column: col });
      stack.push({ items: [], line, column: col });
      i++; col++;
      continue;
    }
    if (c === 41) {
      const open = stack.pop();
      if (!open) throw new InputError('unmatched )', { file, line, column: col });
      const list: SList = { kind: 'list', items: open.items, line: open.line, column: open.column };
      (stack.length ? stack[stack.length - 1].items : top).push(list);
      i++; col++;
      continue;
    }
    if (isDelimiter(c)) { i++; col++; continue; }
    const start = i;
    while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
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
