/**
 * The e2e suite for an untrusted folder (restricted mode): the language features work, but no model is loaded or run.
 * Run by test/e2e/run.mjs in a second code-server session with workspace trust enabled and the folder not trusted.
 */
import * as vscode from 'vscode';
import Mocha from 'mocha';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { addSixthInputAndUnknownName, checkerDiagnostics, extensionUnderTest, waitFor } from './shared';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const counterexamples = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.code === 'counterexample');

async function openProp(): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(join(folder(), 'acasxu.prop')));
}

/** A model command must return at once, without a quick pick or a job; a hang would mean it went on. */
async function returnsAtOnce<T>(command: string, ...args: unknown[]): Promise<T> {
  const timeout = new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`${command} did not return within 2 s`)), 2000));
  try {
    return await Promise.race([vscode.commands.executeCommand<T>(command, ...args), timeout]);
  } finally {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  }
}

const tests: [string, () => Promise<void>][] = [
  extensionUnderTest,
  ['the folder is untrusted', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
  }],
  ['syntax and name checks work while typing; the check that needs the model does not run', async () => {
    const editor = await openProp();
    assert.equal(editor.document.languageId, 'prop');
    // The trusted suite gets "the model has 5 inputs but the file declares 6" from the same edit.
    assert.deepEqual(await addSixthInputAndUnknownName(editor), ["unknown name 'CCO'"]);
    await vscode.commands.executeCommand('undo');
    await waitFor('the diagnostics to clear', () => (checkerDiagnostics(editor.document.uri).length === 0 ? true : undefined));
  }],
  ['no live check runs: phi3 gets no counterexample (the trusted run flags it within a second of opening)', async () => {
    const editor = await openProp();
    await sleep(3000);
    assert.deepEqual(counterexamples(editor.document.uri), []);
  }],
  ['Verify explains that models are not run, and gives no verdict', async () => {
    const editor = await openProp();
    const uri = editor.document.uri;
    assert.equal(await returnsAtOnce('netmend.verifyProperty', uri, 'phi3'), false);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(!titles.some((t) => /^(holds|violated|unknown)/.test(t)), JSON.stringify(titles));
    assert.deepEqual(counterexamples(uri), []);
  }],
  ['Repair explains the same, without offering a method', async () => {
    const editor = await openProp();
    assert.equal(await returnsAtOnce('netmend.repairModel', editor.document.uri, 'phi3'), undefined);
  }],
];

export function run(): Promise<void> {
  const mocha = new Mocha({ timeout: 60000, color: false });
  const suite = Mocha.Suite.create(mocha.suite, 'NetMend in an untrusted folder');
  for (const [title, fn] of tests) suite.addTest(new Mocha.Test(title, fn));
  return new Promise((ok, fail) => mocha.run((failures) => (failures ? fail(new Error(`${failures} e2e test(s) failed`)) : ok())));
}
