// Runs every *.test.ts under the given folders (or the given files) with node's test runner (TypeScript through tsx).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const collect = (dir) =>
  !statSync(dir).isDirectory() ? [dir] : readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return collect(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });

const files = process.argv.slice(2).flatMap(collect).sort();
if (files.length === 0) {
  console.error('no test files found in', process.argv.slice(2).join(' '));
  process.exit(1);
}
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(run.status ?? 1);
