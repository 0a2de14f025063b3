/**
 * Parse + check + compile time of a .prop file of about 500 lines (the ACAS Xu example's properties repeated under new names),
 * as the editor runs it on every change. Budget: 20 ms. Writes docs/benchmarks/prop.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDocument } from '../src/core/property';

const example = readFileSync(join(__dirname, '..', 'examples', 'acasxu', 'acasxu.prop'), 'utf8').split('\n');
const header = example.slice(0, example.findIndex((l) => l.startsWith('property')));
const properties = example.slice(header.length);
const lines = [...header];
for (let copy = 0; lines.length < 500; copy++) lines.push(...properties.map((l) => l.replace(/^property phi(\d+)/, `property phi$1_${copy}`)));
const text = lines.join('\n');
const host = { resolve: (p: string) => p };

for (let i = 0; i < 20; i++) checkDocument(text, host);
const times: number[] = [];
for (let i = 0; i < 100; i++) {
  const started = performance.now();
  checkDocument(text, host);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const doc = checkDocument(text, host);
const result = `| file | properties | diagnostics | median (ms) | 95th percentile (ms) | budget (ms) |
|---|---|---|---|---|---|
| ${text.split('\n').length} lines | ${doc.properties.length} | ${doc.diagnostics.length} | ${times[50].toFixed(2)} | ${times[95].toFixed(2)} | 20 |`;
console.log(result);
writeFileSync(join(__dirname, '..', 'docs', 'benchmarks', 'prop.md'), `# .prop checking speed

\`npm run bench:prop\` on ${new Date().toISOString().slice(0, 10)} (2 cores, shared): lex, parse, check and compile a
500-line file, 100 runs after 20 warm-ups. The model is not loaded (the extension caches its shape separately).

${result}
`);
