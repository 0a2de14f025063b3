/**
 * The e2e suite for an untrusted folder (restricted mode): the language features work, but no model is loaded or run.
 * Run by test/e2e/run.mjs in a second code-server session with workspace trust enabled.
 */
import * as vscode from 'vscode';
import Mocha from 'mocha';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const tests: [string, () => Promise<void>][] = [
  ['the folder is untrusted', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
  }],
  ['syntax and name checks work while typing; checks that need the model do not run', async () => {
    const document = await vscode.workspace.openTextDocument(join(folder(), 'acasxu.prop'));
    const editor = await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'prop');
    const text = document.getText();
    // An unknown name: found without the model.
    const line = text.split('\n').findIndex((l) => l.includes('require argmin != COC'));
    const column = document.lineAt(line).text.indexOf('COC');
    await editor.edit((e) => e.replace(new vscode.Range(line, column, line, column + 3), 'CCO'));
    await waitFor('the unknown-name diagnostic', () => vscode.languages.getDiagnostics(document.uri).find((d) => d.message.includes("unknown name 'CCO'")));
    await vscode.commands.executeCommand('undo');
    // A sixth input: in a trusted folder the model's five inputs make this an error; here the model is never read.
    const lastInput = text.split('\n').findIndex((l) => l.startsWith('input v_int'));
    await editor.edit((e) => e.insert(new vscode.Position(lastInput + 1, 0), 'input extra in [0, 1]\n'));
    await waitFor('the check of the edit', () => (vscode.languages.getDiagnostics(document.uri).every((d) => !d.message.includes('CCO')) ? true : undefined));
    await sleep(1500);
    const diagnostics = vscode.languages.getDiagnostics(document.uri);
    assert.deepEqual(diagnostics.map((d) => d.message), [], 'no diagnostic needs the model');
    await vscode.commands.executeCommand('undo');
    // In a trusted folder the live checks report phi3's counterexample within a second; here nothing runs.
    await sleep(3000);
    assert.equal(vscode.languages.getDiagnostics(document.uri).filter((d) => d.code === 'counterexample').length, 0);
  }],
  ['Verify explains that models are not run, and gives no verdict', async () => {
    const document = await vscode.workspace.openTextDocument(join(folder(), 'acasxu.prop'));
    await vscode.window.showTextDocument(document);
    const verified = await vscode.commands.executeCommand('netmend.verifyProperty', document.uri, 'phi3');
    assert.equal(verified, false);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(!titles.some((t) => /^(holds|violated|unknown)/.test(t)), JSON.stringify(titles));
    assert.equal(vscode.languages.getDiagnostics(document.uri).filter((d) => d.code === 'counterexample').length, 0);
  }],
];

export function run(): Promise<void> {
  const mocha = new Mocha({ timeout: 60000, color: false });
  const suite = Mocha.Suite.create(mocha.suite, 'NetMend in an untrusted folder');
  for (const [title, fn] of tests) suite.addTest(new Mocha.Test(title, fn));
  return new Promise((ok, fail) => mocha.run((failures) => (failures ? fail(new Error(`${failures} e2e test(s) failed`)) : ok())));
}
