// The same e2e suite with @vscode/test-electron, for machines that can download VS Code (this one cannot; CI uses
// run.mjs with code-server). Usage: npm run build && node test/e2e/electron.mjs
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
await esbuild.build({ entryPoints: [join(here, 'suite', 'index.ts')], outfile: join(here, 'out', 'index.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' });
const workspace = join(mkdtempSync(join(tmpdir(), 'netmend-e2e-')), 'workspace');
cpSync(join(root, 'examples', 'acasxu'), workspace, { recursive: true });
await runTests({ version: '1.100.3', extensionDevelopmentPath: root, extensionTestsPath: join(here, 'out', 'index'), extensionTestsEnv: { NETMEND_E2E_EXTENSION_ROOT: root }, launchArgs: [workspace, '--disable-extensions'] });
