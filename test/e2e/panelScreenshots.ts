/**
 * Renders the built panel (dist/webview.js and .css, under the real CSP of src/extension/panel/html.ts) with fixture
 * data computed from the shared networks, in headless chromium, in a light, a dark and a high-contrast theme; checks
 * the handshake, the validators, the keyboard and the heatmap's cell count; times a 10,000-cell draw; and writes
 * test/e2e/screenshots/panel-*.png. Run: npm run build && node --import tsx test/e2e/panelScreenshots.ts
 * (playwright-core from test/e2e/node_modules, or PLAYWRIGHT_CORE=<folder>; Debian's /usr/bin/chromium).
 */
import * as assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Responsibility } from '../../src/core/localize/types';
import { panelHtml } from '../../src/extension/panel/html';
import type { HostMessage, View } from '../../webview/protocol';
import { cellOrigin, layoutHeatmap } from '../../webview/heatmap';
import { acasReports, acasResponsibility, graphResponsibility, mnistResponsibility } from '../panelFixtures';

const root = path.resolve(__dirname, '..', '..');
const shots = path.join(__dirname, 'screenshots');
const playwright = path.join(process.env.PLAYWRIGHT_CORE ?? path.join(__dirname, 'node_modules', 'playwright-core'), 'index.mjs');
const NONCE = 'c2NyZWVuc2hvdHMtb25seQ';

/** A wide network for the timing: the MNIST layers repeated until there are 10,240 cells. */
function tiled(r: Responsibility, copies: number): Responsibility {
  return { ...r, layers: Array.from({ length: copies }, (_, c) => r.layers.map((l) => ({ ...l, name: `${l.name}_${c}` }))).flat() };
}

async function main(): Promise<void> {
  const themes: Record<string, string> = { light: 'vscode-light', dark: 'vscode-dark', hc: 'vscode-high-contrast' };
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const file = url.startsWith('/dist/') ? path.join(root, url) : url.startsWith('/theme/') ? path.join(__dirname, 'panelThemes', path.basename(url)) : undefined;
    if (file) {
      res.writeHead(200, { 'content-type': file.endsWith('.css') ? 'text/css' : 'text/javascript' });
      res.end(readFileSync(file));
      return;
    }
    const theme = new URL(url, 'http://x').searchParams.get('theme') ?? 'light';
    const origin = `http://${req.headers.host}`;
    // The page VS Code would build, plus what VS Code provides: the theme's variables and acquireVsCodeApi.
    const html = panelHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/webview.css`, nonce: NONCE })
      .replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/theme/${theme}.css">\n<link rel="stylesheet"`)
      .replace('<body>', `<body class="${themes[theme]}">`)
      .replace('<script nonce', `<script nonce="${NONCE}">window.sent = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.sent.push(m), getState: () => window.savedState, setState: (s) => { window.savedState = s; } });</script>\n<script nonce`);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const acas = acasResponsibility();
  const mnist = await mnistResponsibility();
  const reports = acasReports();
  const views: Record<string, View> = {
    heatmap: { kind: 'responsibility', docUri: 'file:///work/examples/acasxu/acasxu.prop', responsibility: acas },
    'heatmap-mnist': { kind: 'responsibility', docUri: 'file:///work/examples/mnist/mnist.prop', responsibility: mnist },
    'heatmap-graph': { kind: 'responsibility', docUri: 'file:///work/examples/graph/graph.prop', responsibility: await graphResponsibility() },
    'review-repaired': { kind: 'review', reviewId: '0123456789abcdef', report: reports[0], status: { state: 'pending' } },
    'review-regression': { kind: 'review', reviewId: '0123456789abcdee', report: reports[1], status: { state: 'pending' } },
  };
  // Checked below but not photographed: test/e2e/suite draws a real comparison in VS Code (vscode-compare-*.png).
  const compare: View = { kind: 'compare', property: 'phi2', reports, reviewIds: ['0123456789abcdef', '0123456789abcdee', null] };

  const { chromium } = await import(playwright);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  mkdirSync(shots, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m: { type(): string; text(): string }) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  page.on('pageerror', (e: Error) => problems.push(e.message));
  const post = (message: HostMessage | unknown) => page.evaluate((m: unknown) => window.postMessage(m, '*'), message);
  const sent = () => page.evaluate(() => (window as unknown as { sent: { type: string }[] }).sent);

  for (const theme of Object.keys(themes)) {
    await page.goto(`http://127.0.0.1:${port}/?theme=${theme}`);
    await page.waitForFunction(() => (window as unknown as { sent: { type: string }[] }).sent.some((m) => m.type === 'ready'));
    for (const [name, view] of Object.entries(views)) {
      if (theme === 'hc' && !name.startsWith('heatmap')) continue;
      await post({ type: 'show', view });
      await page.waitForSelector('#view-title');
      if (view.kind === 'responsibility') {
        const label = await page.getAttribute('.heatmap', 'aria-label');
        const cells = view.responsibility.layers.reduce((s, l) => s + l.scores.length, 0);
        assert.match(label!, new RegExp(`of ${cells} neurons in ${view.responsibility.layers.length} layers`));
        // Keyboard: the focus starts on the top neuron; a move and a selection reach the details and the button.
        await page.focus('.heatmap');
        const before = await page.textContent('#neuron-details');
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('Space');
        assert.notEqual(await page.textContent('#neuron-details'), before);
        if (view.responsibility.layers.some((l) => l.sources)) {
          // A graph model: the rows say what they read; BIRDNN fine-tuning is for sequential networks, so no button.
          assert.match((await page.textContent('.responsibility aside'))!, /works on sequential networks/);
          assert.match((await page.textContent('#neuron-details'))!, /node \d of \d, reads /);
          await page.screenshot({ path: path.join(shots, `panel-${name}-${theme}.png`), fullPage: true });
          continue;
        }
        assert.match((await page.textContent('.responsibility aside vscode-button'))!, /Fine-tune this neuron/);
        // The button asks the host to fine-tune exactly the selected neuron (the top one's right neighbour).
        await page.click('.responsibility aside vscode-button');
        const top = view.responsibility.top[0];
        const right = top.neuron + 1 < view.responsibility.layers[top.layer].scores.length ? { layer: top.layer, neuron: top.neuron + 1 } : { layer: top.layer + 1, neuron: 0 };
        assert.deepEqual((await sent()).at(-1), { type: 'fineTune', docUri: view.docUri, property: view.responsibility.property, neurons: [right] });
        await page.focus('.heatmap');
        await page.keyboard.press('ArrowLeft');
        // Hover a cell of the last layer for the tooltip (the canvas is as wide as its layout: same columns).
        const box = (await page.locator('.heatmap canvas').boundingBox())!;
        const layout = layoutHeatmap(view.responsibility.layers.map((l) => l.scores.length), box.width, 12);
        const cell = cellOrigin(layout, { layer: layout.blocks.length - 1, neuron: 20 });
        await page.mouse.move(box.x + cell.x + 6, box.y + cell.y + 6);
      }
      await page.screenshot({ path: path.join(shots, `panel-${name}-${theme}.png`), fullPage: true });
      await page.mouse.move(0, 0);
      if (name === 'heatmap-mnist') {
        // Aggregate mode: a 256-neuron layer in one row of 32 groups of 8, the focus on the top neuron's group.
        await page.click('vscode-radio[value="groups"]');
        const label = await page.getAttribute('.heatmap', 'aria-label');
        assert.match(label!, /of 64 cells \(groups of neurons\) in 2 layers/);
        await page.focus('.heatmap');
        assert.match((await page.textContent('#neuron-details'))!, /neurons \d+–\d+: the largest score is neuron/);
        await page.screenshot({ path: path.join(shots, `panel-${name}-groups-${theme}.png`), fullPage: true });
        await page.click('vscode-radio[value="neurons"]');
      }
    }
  }

  // The protocol: a bad message is reported back, not drawn; the state the page saved is the last view.
  await post({ type: 'show', view: compare });
  await post({ type: 'show', view: { kind: 'chart' } });
  await page.waitForFunction(() => (window as unknown as { sent: { type: string }[] }).sent.some((m) => m.type === 'invalid'));
  assert.equal(await page.evaluate(() => (window as unknown as { savedState: { view: { kind: string } } }).savedState.view.kind), 'compare');
  await page.click('vscode-button[aria-label="Review the REASSURE repair"]');
  assert.deepEqual((await sent()).at(-1), { type: 'openReview', reviewId: '0123456789abcdef' });

  // 10,240 cells: a new view, a keyboard move (two cells repainted), a zoom step and a scale switch (every cell).
  const wide = tiled(mnist, 20);
  const timing = await page.evaluate((view: View) => {
    // The second show is the one timed: the first includes compiling the drawing code.
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'show', view } }));
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'show', view } }));
    const t1 = performance.now();
    const heatmap = document.querySelector('.heatmap') as HTMLElement;
    for (let i = 0; i < 20; i++) heatmap.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    const t2 = performance.now();
    for (const key of ['+', '-', '+', '-']) heatmap.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
    const t3 = performance.now();
    // Switching the scale redraws every cell at the same canvas size.
    for (const value of ['global', 'layer', 'global', 'layer']) {
      document.querySelector(`vscode-radio[value="${value}"]`)!.dispatchEvent(new Event('change', { bubbles: true }));
    }
    return { show: t1 - t0, move: (t2 - t1) / 20, zoom: (t3 - t2) / 4, scale: (performance.now() - t3) / 4 };
  }, { kind: 'responsibility', docUri: 'file:///x.prop', responsibility: wide } satisfies View);
  console.log(`10,240 cells: a new view (validate, build, draw) ${timing.show.toFixed(1)} ms, one keyboard move ${timing.move.toFixed(1)} ms, a zoom step (new canvas size) ${timing.zoom.toFixed(1)} ms, a scale switch (same size) ${timing.scale.toFixed(1)} ms`);
  assert.deepEqual(problems.filter((p) => !p.includes('favicon')), [], 'no console errors (a CSP violation shows here)');
  await browser.close();
  server.close();
  console.log(`screenshots in ${shots}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
