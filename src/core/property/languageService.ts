/**
 * Editor features for .prop files as pure functions of a checked document: outline, hover, completion. The VS Code
 * adapters in src/extension/language only translate types.
 */
import type { CheckedDocument } from './index';
import { tokenize, type Position, type Range, type Token } from './lexer';
import { RESERVED } from './parser';
import type { SymbolInfo } from './symbols';

export interface OutlineItem {
  readonly name: string;
  readonly detail: string;
  readonly kind: 'model' | 'input' | 'output' | 'const' | 'data' | 'property';
  readonly range: Range;
  readonly selection: Range;
}

export function outline(doc: CheckedDocument): OutlineItem[] {
  return doc.file.decls.flatMap((d): OutlineItem[] => {
    switch (d.kind) {
      case 'model': return [{ name: 'model', detail: d.path, kind: 'model', range: d.range, selection: d.range }];
      case 'input': case 'output':
        return d.groups.map((g) => ({
          name: g.indices ? `${g.name.name}[${g.indices.from}..${g.indices.to}]` : g.name.name,
          detail: [d.kind, d.unit?.name].filter(Boolean).join(', '), kind: d.kind, range: d.range, selection: g.name.range,
        }));
      case 'const': return [{ name: d.name.name, detail: 'constant', kind: 'const', range: d.range, selection: d.name.range }];
      case 'data': return [{ name: d.name.name, detail: d.path, kind: 'data', range: d.range, selection: d.name.range }];
      case 'property': return [{ name: d.name.name, detail: d.description ?? (d.forEach ? `for each ${d.forEach.variable.name} in ${d.forEach.dataset.name}` : ''), kind: 'property', range: d.range, selection: d.name.range }];
    }
  });
}

const contains = (r: Range, p: Position): boolean =>
  (p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character)) &&
  (p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character));

export function tokenAt(text: string, position: Position): Token | undefined {
  return tokenize(text).find((t) => t.kind !== 'eof' && contains(t.range, position));
}

const KEYWORD_DOCS: Record<string, string> = {
  model: 'The network this file speaks of, relative to the file (.onnx or .nnet).',
  input: 'Named network inputs, in input order: `input a, b` or `input x[0..783]`, optionally `in [lo, hi]`, `unit u`, `normalize mean m range r`.',
  output: 'Named network outputs, in output order.',
  property: 'A property: `property name "description" { where ... require ... }`.',
  where: 'The input region: comparisons, linear constraints, `or` for unions, `x within r of p` for an L-inf ball.',
  require: 'What the outputs must satisfy everywhere in the region.',
  argmax: 'The index of the largest output: `argmax == k`, `argmax != k`, `argmax in {a, b}`.',
  argmin: 'The index of the smallest output: `argmin == k`, `argmin != k`, `argmin in {a, b}` (ACAS Xu advisories).',
  within: '`x within r of p`: every element of x within r of the point p (an L-inf ball), clipped to the domain.',
  normalize: 'The network sees (value - mean) / range; properties are written in physical values.',
};

const fmt = (v: number): string => String(Number(v.toPrecision(7)));

function describeSymbol(s: SymbolInfo): string {
  switch (s.kind) {
    case 'input': case 'output': {
      const head = `**${s.kind}** \`${s.vector ? `${s.name}[${s.length} values]` : s.name}\`${s.unit ? ` (${s.unit})` : ''}`;
      const lines = [head];
      if (s.domain) lines.push(`domain [${fmt(s.domain.lower)}, ${fmt(s.domain.upper)}]${s.mean !== 0 || s.divisor !== 1 ? ` = [${fmt((s.domain.lower - s.mean) / s.divisor)}, ${fmt((s.domain.upper - s.mean) / s.divisor)}] normalised` : ''}`);
      if (s.mean !== 0 || s.divisor !== 1) lines.push(`the network sees (${s.name} - ${fmt(s.mean)}) / ${fmt(s.divisor)}`);
      lines.push(`${s.kind === 'input' ? 'X' : 'Y'}_${s.offset}${s.length > 1 ? `..${s.offset + s.length - 1}` : ''} in VNN-LIB`);
      return lines.join('\n\n');
    }
    case 'const': return `**constant** \`${s.name}\` = ${fmt(s.value)}`;
    case 'data': return `**data** \`${s.name}\`: ${s.points.length} points from ${s.path}`;
    case 'point': return `**data point** \`${s.name}\`${s.point.label !== undefined ? `, label ${s.point.label}` : ''}`;
  }
}

/** Markdown for the hover at a position, or undefined. */
export function hover(doc: CheckedDocument, text: string, position: Position): { contents: string; range: Range } | undefined {
  const token = tokenAt(text, position);
  if (!token || token.kind !== 'name') return undefined;
  const property = doc.properties.filter((p) => p.declaration === token.text);
  const decl = doc.file.decls.find((d) => d.kind === 'property' && d.name.name === token.text && contains(d.name.range, position));
  if (decl && property.length > 0) {
    const p = property[0];
    const region = p.query.region.map((box) => `[${Array.from(box.lower, (l, i) => `${fmt(l)}..${fmt(box.upper[i])}`).slice(0, 8).join(', ')}${box.lower.length > 8 ? ', ...' : ''}]`);
    return {
      contents: [
        `**property** \`${token.text}\`${p.description ? `: ${p.description}` : ''}${property.length > 1 ? ` (${property.length} instances)` : ''}`,
        `input region (normalised): ${region.join(' or ')}`,
        `violated when: ${p.clauseTexts.join(' **or** ')}`,
      ].join('\n\n'),
      range: token.range,
    };
  }
  const symbol = doc.symbols.get(token.text);
  if (symbol) return { contents: describeSymbol(symbol), range: token.range };
  const keyword = KEYWORD_DOCS[token.text];
  return keyword ? { contents: keyword, range: token.range } : undefined;
}

export interface CompletionItem {
  readonly label: string;
  readonly kind: 'keyword' | 'input' | 'output' | 'const' | 'data' | 'property';
  readonly detail?: string;
}

/** Keywords, and the names the file declares (inputs after `where`, outputs after `require`). */
export function completions(doc: CheckedDocument, text: string, position: Position): CompletionItem[] {
  const before = tokenize(text).filter((t) => t.kind === 'name' && (t.range.end.line < position.line || (t.range.end.line === position.line && t.range.end.character <= position.character)));
  const clause = [...before].reverse().find((t) => t.text === 'where' || t.text === 'require' || t.text === 'property')?.text;
  const keywords = [...RESERVED, 'unit', 'normalize', 'mean', 'range', 'std'].map((label): CompletionItem => ({ label, kind: 'keyword' }));
  const names = outline(doc).flatMap((o): CompletionItem[] => (o.kind === 'model' ? [] : [{ label: o.name.replace(/\[.*$/, ''), kind: o.kind, detail: o.detail }]));
  const preferred = clause === 'where' ? 'input' : clause === 'require' ? 'output' : undefined;
  return [...names.filter((n) => n.kind === preferred), ...names.filter((n) => n.kind !== preferred), ...keywords];
}
