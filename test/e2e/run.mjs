// Runs the e2e suites inside a real VS Code extension host: code-server 4.100.3 serves VS Code 1.100.3, headless Debian
// chromium (driven by playwright-core) is the workbench client. Two sessions: a trusted folder (the main suite) and an
// untrusted one (restricted mode). Recipe: ../../../shared/docs/vscode-e2e.md.
// NETMEND_E2E_VSIX=path/to/netmend-linux-x64.vsix tests that packaged build instead of the source tree.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const TIMEOUT_MS = 600_000;
const codeServer = join(here, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const screenshots = join(here, 'screenshots');
const vsix = process.env.NETMEND_E2E_VSIX ? resolve(process.env.NETMEND_E2E_VSIX) : undefined;

const { chromium } = await import(join(here, 'node_modules', 'playwright-core', 'index.mjs'));

// The suites run inside the extension host: one CommonJS bundle each, with mocha, `vscode` left to the host and
// onnxruntime-node's native runtime required from the project's node_modules.
await esbuild.build({ entryPoints: ['index', 'untrusted', 'reload'].map((suite) => join(here, 'suite', `${suite}.ts`)), outdir: join(here, 'out'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'], logLevel: 'warning' });

/** Runs steps ({ focus | click: selector } or { press: key }) in the webview frame that shows `steps[0]`'s selector. */
async function inWebview(page, steps) {
  const selector = steps[0].focus ?? steps[0].click;
  let frame;
  for (const f of page.frames()) if (await f.$(selector).catch(() => null)) frame = f;
  if (!frame) throw new Error(`no webview shows ${selector}`);
  for (const step of steps) {
    if (step.focus) await frame.focus(step.focus);
    else if (step.click) await frame.click(step.click);
    else await frame.press(':focus', step.press);
  }
  console.log(`e2e: webview steps done (${steps.length})`);
}

/**
 * Reloads the workbench the way a user does (Developer: Reload Window), on `url`, while the previous suite's extension
 * host still runs. VS Code saves its UI state, the panel with its webview state, before it reloads; a plain navigation
 * away may cut that write short.
 */
async function reloadWorkbench(page, url) {
  await page.evaluate((next) => history.replaceState(history.state, '', next), url);
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 30_000 });
  await page.keyboard.type('Developer: Reload Window');
  await page.waitForSelector('.quick-input-list .monaco-list-row.focused', { timeout: 30_000 });
  await Promise.all([page.waitForNavigation({ waitUntil: 'commit', timeout: 120_000 }), page.keyboard.press('Enter')]);
}

const freePort = () => new Promise((ok) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });

/**
 * One code-server + chromium session on a fresh copy of the ACAS Xu example, running its suites one after another (the
 * workbench reloaded in between). `trusted: false` turns workspace trust on and never trusts the folder (restricted
 * mode). Resolves to true when every suite passed.
 */
async function session(name, suites, { trusted }) {
  const scratch = mkdtempSync(join(tmpdir(), `netmend-e2e-${name}-`));
  const workspace = join(scratch, 'workspace');
  cpSync(join(root, 'examples', 'acasxu'), workspace, { recursive: true });
  const userData = join(scratch, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  const trust = trusted
    ? { 'security.workspace.trust.enabled': false }
    : { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never', 'security.workspace.trust.untrustedFiles': 'open' };
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', ...trust }));

  const port = await freePort();
  const extensions = join(scratch, 'extensions');
  // The suites check that NetMend runs from here (shared.ts): the source tree, or where the .vsix was installed.
  const env = { ...process.env, EXTENSIONS_GALLERY: '{}', TMPDIR: scratch, XDG_CONFIG_HOME: join(scratch, 'config'), XDG_DATA_HOME: join(scratch, 'data'), NETMEND_E2E_EXTENSION_ROOT: vsix ? extensions : root, NETMEND_E2E_SCREENSHOTS: screenshots, ...(suites.length > 1 ? { NETMEND_E2E_RELOAD: '1' } : {}) };
  // VS Code runs extension tests only in extension-development mode: with a .vsix, the development extension is an
  // empty stub, so the installed NetMend is the one that loads.
  let development = root;
  if (vsix) {
    const installed = spawnSync(process.execPath, [codeServer, '--extensions-dir', extensions, '--user-data-dir', userData, '--install-extension', vsix], { env, encoding: 'utf8' });
    if (installed.status !== 0) throw new Error(`installing ${vsix} failed: ${installed.stdout}${installed.stderr}`);
    development = join(scratch, 'runner');
    mkdirSync(development);
    writeFileSync(join(development, 'package.json'), JSON.stringify({ name: 'netmend-e2e-runner', publisher: 'netmend-e2e', version: '0.0.0', engines: { vscode: '^1.100.0' } }));
  }
  const server = spawn(process.execPath, [codeServer,
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', ...(trusted ? ['--disable-workspace-trust'] : []),
    '--disable-getting-started-override', '--user-data-dir', userData, '--extensions-dir', extensions, workspace],
  { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stopServer = () => { try { process.kill(-server.pid, 'SIGKILL'); } catch { /* already gone */ } };
  process.on('exit', stopServer);

  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('code-server did not start in 60 s')), 60_000);
    const watch = (chunk) => { if (String(chunk).includes('HTTP server listening')) { clearTimeout(timer); ok(); } };
    server.stdout.on('data', watch);
    server.stderr.on('data', watch);
    server.once('exit', (code) => fail(new Error(`code-server exited with ${code}`)));
  });

  const context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  let finish;
  await page.exposeFunction('codeAutomationExit', (code) => finish?.(code));
  // The suite asks for a screenshot through its log (suite/shared.ts, screenshot()): written to a temporary name,
  // then renamed, so the suite never reads half a file.
  // It asks for keys and clicks inside the NetMend webview the same way (webviewSteps()).
  await page.exposeFunction('codeAutomationLog', async (_type, args) => {
    const parts = Array.isArray(args) ? args : [args];
    // A suite that passed and has another after it asks to be reloaded into that one (suite/shared.ts, endSuite()).
    if (typeof parts[0] === 'string' && parts[0].trim() === 'netmend-e2e-reload') return finish?.(0);
    const steps = typeof parts[0] === 'string' && /^netmend-e2e-webview:(.+)$/.exec(parts[0].trim());
    if (steps) return inWebview(page, JSON.parse(steps[1])).catch((err) => console.log(`e2e: webview steps failed: ${err.message}`));
    const request = typeof parts[0] === 'string' && /^netmend-e2e-screenshot:([\w-]+)$/.exec(parts[0].trim());
    if (!request) return console.log(...parts);
    const file = join(screenshots, `${request[1]}.png`);
    await page.screenshot({ path: `${file}.tmp.png` });
    renameSync(`${file}.tmp.png`, file);
    console.log(`e2e: screenshot ${relative(root, file)}`);
  });
  // Leaving the page (the reload between suites) must not stop at a "leave site?" prompt.
  page.on('dialog', (dialog) => void dialog.accept());
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  let passed = true;
  // Each suite loads the workbench again in the same browser and server: the later ones see what a reload restores.
  for (const suite of suites) {
    const exitCode = new Promise((ok) => { finish = ok; });
    const payload = [['extensionDevelopmentPath', remote(development)], ['extensionTestsPath', remote(join(here, 'out', suite))]];
    const started = Date.now();
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    // The suite's exit code says when it is done; the page's load event can take more than playwright's default 30 s
    // on a loaded machine.
    if (suite === suites[0]) await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
    else await reloadWorkbench(page, url);
    const code = await Promise.race([exitCode, new Promise((ok) => setTimeout(() => ok('timeout'), TIMEOUT_MS))]);
    // The workbench at the end (or at a failure), for a person to look at.
    const shot = join(here, 'out', `${name}-${suite}-${code === 0 ? 'workbench' : 'failure'}.png`);
    await page.screenshot({ path: shot }).catch(() => undefined);
    console.log(`e2e (${name}, ${suite}${vsix ? `, ${vsix}` : ''}): ${code === 0 ? 'passed' : `failed (${code})`} in ${((Date.now() - started) / 1000).toFixed(0)} s; screenshot ${shot}`);
    if (code !== 0) {
      passed = false;
      break;
    }
  }
  await context.close();
  stopServer();
  return passed;
}

// The trusted suite leaves the comparison of methods in the panel; the reload suite checks that it comes back.
const trusted = await session('trusted', ['index', 'reload'], { trusted: true });
const untrusted = await session('untrusted', ['untrusted'], { trusted: false });
process.exit(trusted && untrusted ? 0 : 1);
