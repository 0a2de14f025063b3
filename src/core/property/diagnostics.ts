import type { Range } from './lexer';

export type Severity = 'error' | 'warning' | 'info';

/** A problem in a .prop file, with an exact range (0-based lines and characters, like the editor's). */
export interface SpecDiagnostic {
  readonly severity: Severity;
  readonly message: string;
  readonly range: Range;
  /** Stable identifier, e.g. 'syntax', 'unknown-name', 'empty-region', 'unit-slip'. */
  readonly code: string;
}

export const rangeOf = (a: Range, b: Range): Range => ({ start: a.start, end: b.end });
