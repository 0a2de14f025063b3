/**
 * Run by test/e2e/run.mjs after the trusted suite, in the same code-server session, once the browser has reloaded the
 * workbench: the panel that suite left open (the comparison of methods on phi3) comes back through the panel
 * serializer, drawn from the state the page saved, without retainContextWhenHidden.
 */
import * as vscode from 'vscode';
import Mocha from 'mocha';
import * as assert from 'node:assert/strict';
import type { NetMendApi } from '../../../src/extension/extension';
import { extensionUnderTest, waitFor } from './shared';

const tests: [string, () => Promise<void>][] = [
  extensionUnderTest,
  ['the panel survives a reload: the comparison is restored and drawn again', async () => {
    const extension = vscode.extensions.getExtension<NetMendApi>('netmend.netmend')!;
    // Restoring a NetMend panel activates the extension (onWebviewPanel:netmend.panel); nothing here opens one.
    const api = await waitFor('NetMend to activate', () => (extension.isActive ? extension.exports : undefined), 30000);
    const shown = await waitFor('the restored panel to render', () => api.panel.lastRendered, 30000);
    assert.equal(shown.view, 'compare');
    assert.match(shown.text ?? '', /Repair methods compared on phi3/);
    for (const method of ['REASSURE', 'nRepair', 'BIRDNN fine-tuning', 'BIRDNN retraining']) assert.match(shown.text ?? '', new RegExp(`^${method}\\t`, 'm'));
  }],
];

export function run(): Promise<void> {
  const mocha = new Mocha({ timeout: 60000, color: false });
  const suite = Mocha.Suite.create(mocha.suite, 'NetMend after a reload');
  for (const [title, fn] of tests) suite.addTest(new Mocha.Test(title, fn));
  return new Promise((ok, fail) => mocha.run((failures) => (failures ? fail(new Error(`${failures} e2e test(s) failed`)) : ok())));
}
