/** Tokens of the .prop language, each with its exact source range (0-based line and character, as editors use). */
export type TokenKind = 'name' | 'number' | 'string' | 'punct' | 'eof' | 'bad';

export interface Position { readonly line: number; readonly character: number }
export interface Range { readonly start: Position; readonly end: Position }

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly range: Range;
}

const PUNCT = ['..', '<=', '>=', '==', '!=', '<', '>', '=', '(', ')', '[', ']', '{', '}', ',', '+', '-', '*', '/', ':', '.'];

/**
 * The most tokens read from one file (a 500-line file has about 5,000): past it the rest is not read, and a 'bad'
 * token with empty text marks where it stopped, so a huge file cannot exhaust memory.
 */
export const MAX_TOKENS = 200_000;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 0;
  let col = 0;
  let i = 0;
  const advance = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (text[i] === '\n') { line++; col = 0; } else col++;
      i++;
    }
  };
  const push = (kind: TokenKind, start: Position, from: number) => tokens.push({ kind, text: text.slice(from, i), range: { start, end: { line, character: col } } });
  while (i < text.length) {
    if (tokens.length === MAX_TOKENS) {
      tokens.push({ kind: 'bad', text: '', range: { start: { line, character: col }, end: { line, character: col } } });
      break;
    }
    const ch = text[i];
    if (/\s/.test(ch)) { advance(1); continue; }
    if (text.startsWith('//', i)) { while (i < text.length && text[i] !== '\n') advance(1); continue; }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      advance(end < 0 ? text.length - i : end + 2 - i);
      continue;
    }
    const start = { line, character: col };
    const from = i;
    if (/[A-Za-z_]/.test(ch)) {
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i])) advance(1);
      push('name', start, from);
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      // Digits, a fraction unless it is the '..' of a range, and an exponent.
      while (i < text.length && /[0-9]/.test(text[i])) advance(1);
      if (text[i] === '.' && text[i + 1] !== '.') { advance(1); while (i < text.length && /[0-9]/.test(text[i])) advance(1); }
      if (/[eE]/.test(text[i] ?? '') && /[-+0-9]/.test(text[i + 1] ?? '')) {
        advance(1);
        if (/[-+]/.test(text[i])) advance(1);
        while (i < text.length && /[0-9]/.test(text[i])) advance(1);
      }
      push('number', start, from);
    } else if (ch === '"') {
      advance(1);
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') advance(1);
      if (text[i] === '"') { advance(1); push('string', start, from); } else push('bad', start, from);
    } else {
      const p = PUNCT.find((q) => text.startsWith(q, i));
      advance(p ? p.length : 1);
      push(p ? 'punct' : 'bad', start, from);
    }
  }
  tokens.push({ kind: 'eof', text: '', range: { start: { line, character: col }, end: { line, character: col } } });
  return tokens;
}
