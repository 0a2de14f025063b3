import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { contentSecurityPolicy, panelHtml } from '../../../src/extension/panel/html';

test('the CSP denies by default and allows only our nonce script and our own styles', () => {
  const csp = contentSecurityPolicy('https://ext.vscode-cdn.net', 'abc');
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), ["'nonce-abc'"]);
  assert.deepEqual(directives.get('style-src'), ['https://ext.vscode-cdn.net']);
  assert.ok(!csp.includes('unsafe'), 'no unsafe-inline or unsafe-eval');
  assert.ok(!directives.has('connect-src') && !directives.has('frame-src'));
});

test('the page loads one script, with the nonce, and one stylesheet; each call gets a fresh nonce', () => {
  const resources = { cspSource: 'https://x', scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/dist/webview.css' };
  const html = panelHtml(resources);
  const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
  assert.ok(nonce && nonce.length >= 16);
  assert.deepEqual([...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1].trim()), [`nonce="${nonce}" src="https://x/dist/webview.js"`]);
  assert.equal([...html.matchAll(/<link rel="stylesheet"/g)].length, 1);
  assert.ok(!/style="/.test(html), 'no inline style attribute');
  assert.notEqual(/nonce-([^']+)/.exec(panelHtml(resources))?.[1], nonce);
});
