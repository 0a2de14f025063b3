import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDocument } from '../../../src/core/property';
import { completions, hover, outline } from '../../../src/core/property/languageService';

const file = join(__dirname, '..', '..', '..', 'examples', 'acasxu', 'acasxu.prop');
const text = readFileSync(file, 'utf8');
const doc = checkDocument(text, { resolve: (p) => p });
const lines = text.split('\n');
/** Position of the k-th occurrence of a word. */
function at(word: string, k = 0): { line: number; character: number } {
  let seen = 0;
  for (let line = 0; line < lines.length; line++) {
    for (const m of lines[line].matchAll(new RegExp(`\\b${word}\\b`, 'g'))) if (seen++ === k) return { line, character: m.index! + 1 };
  }
  throw new Error(`no ${word}`);
}

test('outline lists the model, every input and output, constants and properties', () => {
  const items = outline(doc);
  assert.deepEqual(items.filter((i) => i.kind === 'input').map((i) => i.name), ['rho', 'theta', 'psi', 'v_own', 'v_int']);
  assert.equal(items.filter((i) => i.kind === 'property').length, 10);
  assert.equal(items.find((i) => i.name === 'phi3')!.detail, 'intruder directly ahead and moving towards us: COC is not advised');
});

test('hover on an input shows its unit, domain in both units and the normalisation', () => {
  const h = hover(doc, text, at('rho', 0))!;
  assert.match(h.contents, /\*\*input\*\* `rho` \(ft\)/);
  assert.match(h.contents, /domain \[0, 62000\] = \[-0\.3284229, 0\.7004349\] normalised/);
  assert.match(h.contents, /the network sees \(rho - 19791\.09\) \/ 60261/);
});

test('hover on a property shows its compiled region and the clauses that violate it', () => {
  const h = hover(doc, text, at('phi7'))!;
  assert.match(h.contents, /violated when: SL <= COC and SL <= WL and SL <= WR \*\*or\*\* SR <= COC and SR <= WL and SR <= WR/);
  assert.match(h.contents, /input region \(normalised\): \[-0\.3284229\.\.0\.6798578/);
});

test('completion after `require` offers the outputs first; after `where` the inputs', () => {
  const requireLine = lines.findIndex((l) => l.includes('require argmin != COC'));
  const afterRequire = completions(doc, text, { line: requireLine, character: lines[requireLine].length });
  assert.deepEqual(afterRequire.slice(0, 5).map((c) => c.label), ['COC', 'WL', 'WR', 'SL', 'SR']);
  const whereLine = lines.findIndex((l) => l.includes('where 1500 <= rho'));
  const afterWhere = completions(doc, text, { line: whereLine, character: 9 });
  assert.equal(afterWhere[0].label, 'rho');
  assert.ok(afterWhere.some((c) => c.label === 'argmin' && c.kind === 'keyword'));
});
