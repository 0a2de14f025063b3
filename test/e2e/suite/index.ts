/**
 * The e2e suite, run by VS Code's extension host (code-server). Mocha is driven programmatically so the whole suite is
 * one bundle. Each test speaks to the real `vscode` API.
 */
import * as vscode from 'vscode';
import Mocha from 'mocha';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadModelFile } from '../../../src/core/onnx/loadModelFile';
import { forwardModel } from '../../../src/core/network/forward';
import { OrtModel } from '../../../src/core/onnx/ort';
import { methodItems, type RepairOutcomeShown } from '../../../src/extension/repairCommand';
import { REPAIR_CATALOG } from '../../../src/core/repair/catalog';
import { compareRepairs } from '../../../src/core/repair/comparison';
import type { RepairReport } from '../../../src/core/repair/report';
import type { NetMendApi } from '../../../src/extension/extension';
import type { Rendered } from '../../../src/extension/panel/panel';
import { addSixthInputAndUnknownName, checkerDiagnostics, endSuite, extensionUnderTest, screenshot, useTheme, waitFor, webviewSteps } from './shared';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

async function openProp(): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(join(folder(), 'acasxu.prop'));
  return vscode.window.showTextDocument(document);
}


/**
 * Runs a command that shows quick picks and answers each with `answer` (accept the selected item, or close) until the
 * command returns (a repair may take minutes). Retried because a pick opens asynchronously: an answer sent while none
 * is open does nothing.
 */
async function answerQuickPicks<T>(answer: string, command: string, ...args: unknown[]): Promise<T | undefined> {
  let done = false;
  const result = Promise.resolve(vscode.commands.executeCommand<T>(command, ...args)).finally(() => { done = true; });
  await waitFor(`${command} to return`, async () => {
    if (done) return true;
    await new Promise((r) => setTimeout(r, 300));
    if (!done) await vscode.commands.executeCommand(answer);
    return undefined;
  }, 240_000);
  return result;
}

/** The panel's renders from now on (what each view drew and says), until disposed. */
function watchRenders(): Rendered[] & { dispose(): void } {
  const renders = [] as unknown as Rendered[] & { dispose(): void };
  const listener = panel().onDidRender((r) => renders.push(r));
  renders.dispose = () => listener.dispose();
  return renders;
}

const panel = () => vscode.extensions.getExtension<NetMendApi>('netmend.netmend')!.exports.panel;

/** Runs `fn` with some NetMend settings set for the workspace, then restores them. */
async function withSettings<T>(settings: Record<string, unknown>, fn: () => Thenable<T> | Promise<T>): Promise<T> {
  const config = vscode.workspace.getConfiguration('netmend');
  for (const [key, value] of Object.entries(settings)) await config.update(key, value, vscode.ConfigurationTarget.Workspace);
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(settings)) await config.update(key, undefined, vscode.ConfigurationTarget.Workspace);
  }
}

/** test/e2e/screenshots/<name>-light.png and -dark.png of the workbench as it is; the theme is dark afterwards. */
async function screenshotsInBothThemes(name: string): Promise<void> {
  for (const [theme, suffix] of [['Default Light Modern', 'light'], ['Default Dark Modern', 'dark']] as const) {
    await useTheme(theme);
    await screenshot(`${name}-${suffix}`);
  }
}

const tests: [string, () => Promise<void>, number?][] = [
  extensionUnderTest,
  ['the .prop file activates NetMend and its outline lists inputs, outputs and the ten properties', async () => {
    const editor = await openProp();
    assert.equal(editor.document.languageId, 'prop');
    const symbols = await waitFor('document symbols', async () => {
      const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', editor.document.uri);
      return s && s.length > 0 ? s : undefined;
    });
    assert.deepEqual(symbols.filter((s) => s.kind === vscode.SymbolKind.Function).map((s) => s.name), ['phi1', 'phi2', 'phi3', 'phi4', 'phi5', 'phi6', 'phi7', 'phi8', 'phi9', 'phi10']);
    assert.ok(symbols.some((s) => s.name === 'rho'));
  }],
  ['the example has no checker diagnostics; an unknown name gets one, at its range, while typing', async () => {
    const editor = await openProp();
    const uri = editor.document.uri;
    await waitFor('a clean check', () => (checkerDiagnostics(uri).length === 0 ? true : undefined));
    const line = editor.document.getText().split('\n').findIndex((l) => l.includes('require argmin != COC'));
    const column = editor.document.lineAt(line).text.indexOf('COC');
    const started = Date.now();
    await editor.edit((e) => e.replace(new vscode.Range(line, column, line, column + 3), 'CCO'));
    const diagnostic = await waitFor('the unknown-name diagnostic', () => vscode.languages.getDiagnostics(uri).find((d) => d.message.includes("unknown name 'CCO'")));
    console.log(`e2e: edit -> diagnostic in ${Date.now() - started} ms`);
    assert.equal(diagnostic.range.start.line, line);
    assert.equal(diagnostic.range.start.character, column);
    await vscode.commands.executeCommand('undo');
    await waitFor('the diagnostic to clear', () => (checkerDiagnostics(uri).length === 0 ? true : undefined));
  }],
  ['the model is read: a sixth input is an error against its five inputs (the untrusted suite expects none)', async () => {
    const editor = await openProp();
    const messages = await addSixthInputAndUnknownName(editor);
    assert.ok(messages.includes('the model has 5 inputs but the file declares 6'), JSON.stringify(messages));
    await vscode.commands.executeCommand('undo');
    await waitFor('the diagnostics to clear', () => (checkerDiagnostics(editor.document.uri).length === 0 ? true : undefined));
  }],
  ['hovering an input shows its unit and normalisation', async () => {
    const editor = await openProp();
    const line = editor.document.getText().split('\n').findIndex((l) => l.startsWith('input rho'));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(line, 7));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /\*\*input\*\* `rho` \(ft\)/);
    assert.match(text, /the network sees \(rho - 19791\.09\) \/ 60261/);
  }],
  ['completion after `require` offers the outputs', async () => {
    const editor = await openProp();
    const line = editor.document.getText().split('\n').findIndex((l) => l.includes('require COC <= 1500'));
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, new vscode.Position(line, 10));
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const output of ['COC', 'WL', 'WR', 'SL', 'SR']) assert.ok(labels.includes(output), `${output} offered`);
    assert.ok(labels.includes('argmin'));
  }],
  ['Convert VNN-LIB to .prop writes a .prop file beside it that checks without errors', async () => {
    const source = join(folder(), 'query.vnnlib');
    writeFileSync(source, '(declare-const X_0 Real)\n(declare-const X_1 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n(assert (>= X_0 -1))\n(assert (<= X_0 1))\n(assert (>= X_1 0))\n(assert (<= X_1 0.5))\n(assert (<= Y_0 Y_1))\n');
    await vscode.commands.executeCommand('netmend.convertVnnlib', vscode.Uri.file(source));
    const editor = await waitFor('the converted file', () => (vscode.window.activeTextEditor?.document.fileName.endsWith('query.prop') ? vscode.window.activeTextEditor : undefined));
    assert.equal(editor.document.languageId, 'prop');
    assert.match(editor.document.getText(), /where -1 <= X\[0\] <= 1, 0 <= X\[1\] <= 0\.5/);
    // Checked (a VNN-LIB file names no model, which is a warning), and without errors.
    const diagnostics = await waitFor('the check', () => {
      const d = vscode.languages.getDiagnostics(editor.document.uri);
      return d.length > 0 ? d : undefined;
    });
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.code]), [[vscode.DiagnosticSeverity.Warning, 'no-model']]);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  }],
  ['live checks: a violated property is flagged on open, and an edit that breaks one shows its counterexample at once', async () => {
    const editor = await openProp();
    const uri = editor.document.uri;
    const counterexample = (name: string) => vscode.languages.getDiagnostics(uri).find((d) => d.code === 'counterexample' && d.message.startsWith(`${name} is violated`));
    await waitFor('the live counterexample of phi3', () => counterexample('phi3'));
    assert.equal(counterexample('phi1'), undefined, 'phi1 holds on this network');
    const line = editor.document.getText().split('\n').findIndex((l) => l.includes('require COC <= 1500'));
    const column = editor.document.lineAt(line).text.indexOf('1500');
    const started = Date.now();
    await editor.edit((e) => e.replace(new vscode.Range(line, column, line, column + 4), '-1500'));
    const diagnostic = await waitFor('the live counterexample of phi1', () => counterexample('phi1'));
    const elapsed = Date.now() - started;
    console.log(`e2e: edit -> counterexample diagnostic in ${elapsed} ms (goal: under 1000 ms)`);
    assert.match(diagnostic.message, /Breaks: COC >= -1500/);
    assert.ok(elapsed < 5000, `took ${elapsed} ms`);
    await vscode.commands.executeCommand('undo');
    await waitFor('phi1 to be clean again', () => (counterexample('phi1') ? undefined : true));
  }],
  ['Verify on a violated property: a counterexample diagnostic on the requirement, in physical units, that the network reproduces', async () => {
    const editor = await openProp();
    const uri = editor.document.uri;
    await vscode.commands.executeCommand('netmend.verifyProperty', uri, 'phi3');
    const diagnostic = await waitFor('the counterexample', () => vscode.languages.getDiagnostics(uri).find((d) => d.code === 'counterexample' && d.message.startsWith('phi3 ')));
    const requireLine = editor.document.getText().split('\n').findIndex((l) => l.includes('require argmin != COC'));
    assert.equal(diagnostic.range.start.line, requireLine);
    assert.match(diagnostic.message, /phi3 is violated\. Inputs: rho = [\d.]+ ft, theta = .* Breaks: COC <= WL and COC <= WR and COC <= SL and COC <= SR/);
    // Re-evaluate the reported (physical) inputs: COC must be the lowest score, as the clause says.
    const value = (name: string) => Number(new RegExp(`${name} = (-?[\\d.e-]+)`).exec(diagnostic.message)![1]);
    const rho = value('rho');
    assert.ok(rho >= 1500 - 1e-3 && rho <= 1800 + 1e-3, `rho ${rho} is in the region`);
    const net = loadModelFile(join(folder(), 'ACASXU_run2a_1_9_batch_2000.onnx'));
    const norm = [[19791.091, 60261], [0, 2 * Math.PI], [0, 2 * Math.PI], [650, 1100], [600, 1200]];
    const x = Float64Array.from(['rho', 'theta', 'psi', 'v_own', 'v_int'].map((n, i) => (value(n) - norm[i][0]) / norm[i][1]));
    const y = forwardModel(net, x);
    assert.ok(y.every((v, i) => i === 0 || y[0] <= v + 1e-6), `COC is the lowest score: ${Array.from(y)}`);
  }],
  ['a counterexample offers Repair, Copy as JSON and Add to a point set, and links to the inputs', async () => {
    const editor = await openProp();
    const uri = editor.document.uri;
    const diagnostic = await waitFor('the counterexample of phi3', () => vscode.languages.getDiagnostics(uri).find((d) => d.code === 'counterexample' && d.message.startsWith('phi3 ')));
    assert.deepEqual(diagnostic.relatedInformation?.map((r) => r.message.split(' = ')[0]), ['rho', 'theta', 'psi', 'v_own', 'v_int']);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Repair model for phi3...'), JSON.stringify(titles));
    const copy = actions.find((a) => a.title === 'Copy counterexample as JSON')!;
    await vscode.commands.executeCommand(copy.command!.command, ...(copy.command!.arguments ?? []));
    const copied = JSON.parse(await vscode.env.clipboard.readText());
    assert.equal(copied.property, 'phi3');
    assert.ok(copied.inputs.rho >= 1500 - 1e-3 && copied.inputs.rho <= 1800 + 1e-3);
    assert.equal(copied.networkInput.length, 5);
    const add = actions.find((a) => a.title.startsWith('Add counterexample to a point set'))!;
    await vscode.commands.executeCommand(add.command!.command, ...(add.command!.arguments ?? []));
    const points = JSON.parse(readFileSync(join(folder(), 'counterexamples.json'), 'utf8'));
    assert.equal(points.length, 1);
    assert.equal(points[0].input.length, 5);
  }],
  ['Cancel Running Job stops a long verification promptly, and its CodeLens says so', async () => {
    const editor = await openProp();
    // phi2 holds on this network and its proof takes seconds on one thread (the setting under test): long enough to cancel.
    const config = vscode.workspace.getConfiguration('netmend');
    await config.update('verify.threads', 1, vscode.ConfigurationTarget.Workspace);
    const verifying = vscode.commands.executeCommand('netmend.verifyProperty', editor.document.uri, 'phi2');
    await new Promise((r) => setTimeout(r, 1000));
    const started = Date.now();
    await vscode.commands.executeCommand('netmend.cancelJobs');
    try {
      await Promise.race([verifying, new Promise((_, fail) => setTimeout(() => fail(new Error('the verification did not stop within 5 s')), 5000))]);
    } finally {
      await config.update('verify.threads', undefined, vscode.ConfigurationTarget.Workspace);
    }
    console.log(`e2e: cancel -> verification stopped in ${Date.now() - started} ms`);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri);
    const line = editor.document.getText().split('\n').findIndex((l) => l.startsWith('property phi2'));
    assert.ok(lenses.some((l) => l.range.start.line === line && l.command?.title === 'unknown: cancelled'), JSON.stringify(lenses.filter((l) => l.range.start.line === line).map((l) => l.command?.title)));
  }],
  ['Verify on a property that holds: a "holds" CodeLens above it', async () => {
    const editor = await openProp();
    await vscode.commands.executeCommand('netmend.verifyProperty', editor.document.uri, 'phi1');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri);
    const phi1Line = editor.document.getText().split('\n').findIndex((l) => l.startsWith('property phi1'));
    const titles = lenses.filter((l) => l.range.start.line === phi1Line).map((l) => l.command?.title);
    assert.ok(titles.includes('Verify') && titles.includes('Repair'), JSON.stringify(titles));
    assert.ok(titles.some((t) => /^holds \(\d+\.\d s\)$/.test(t ?? '')), JSON.stringify(titles));
    const column = editor.document.lineAt(phi1Line).text.indexOf('phi1') + 1;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(phi1Line, column));
    const texts = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)));
    assert.ok(texts.some((t) => /NetMend: holds\*\* \(proved in \d+\.\d\d s\)/.test(t)), JSON.stringify(texts));
  }],
  ['a model file changed on disk makes its verdicts stale', async () => {
    const editor = await openProp();
    const uri = editor.document.uri;
    const line = editor.document.getText().split('\n').findIndex((l) => l.startsWith('property phi1'));
    const holds = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri))
      .some((l) => l.range.start.line === line && /^holds/.test(l.command?.title ?? ''));
    if (!(await holds())) await vscode.commands.executeCommand('netmend.verifyProperty', uri, 'phi1');
    assert.ok(await holds());
    const model = join(folder(), 'ACASXU_run2a_1_9_batch_2000.onnx');
    writeFileSync(model, readFileSync(model));
    await waitFor('the verdict to clear', async () => ((await holds()) ? undefined : true));
  }],
  ['Repair Model... offers the methods, the configured default first and marked, and runs the pick in the worker', async () => {
    assert.deepEqual(methodItems('reassure').map((i) => [i.method.id, i.description?.endsWith('(default)')]),
      [['reassure', true], ['nrepair', false], ['irepair', false], ['specrepair', false], ['birdnn-ft', false], ['birdnn-rt', false]]);
    const editor = await openProp();
    const uri = editor.document.uri;
    const config = vscode.workspace.getConfiguration('netmend');
    // Re-verifying the file's nine other properties would take minutes: this test is about the command.
    await config.update('repair.recheckOtherProperties', false, vscode.ConfigurationTarget.Workspace);
    const picked = (r: unknown) => r && { property: (r as { property: string }).property, method: (r as { method: string }).method };
    try {
      // The CodeLens and the quick fix pass a property: only the method pick shows, and accepting takes its first item.
      // phi1 holds on this network: REASSURE patches nothing and the driver proves it on the written model.
      const result = await answerQuickPicks('workbench.action.acceptSelectedQuickOpenItem', 'netmend.repairModel', uri, 'phi1') as { verdict?: string; repairedPath?: string };
      assert.deepEqual(picked(result), { property: 'phi1', method: 'reassure' });
      assert.equal(result.verdict, 'repaired');
      assert.ok(result.repairedPath && existsSync(result.repairedPath) && !result.repairedPath.startsWith(folder()), 'the repaired model waits outside the workspace');
      await config.update('repair.defaultMethod', 'birdnn-ft', vscode.ConfigurationTarget.Workspace);
      const pick = await answerQuickPicks('workbench.action.closeQuickOpen', 'netmend.repairModel', uri, 'phi2');
      assert.equal(pick, undefined);
      // A WorkspaceConfiguration is a snapshot: read the setting again after the update.
      assert.equal(methodItems(vscode.workspace.getConfiguration('netmend').get<string>('repair.defaultMethod')!)[0].method.id, 'birdnn-ft');
    } finally {
      await config.update('repair.defaultMethod', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('repair.recheckOtherProperties', undefined, vscode.ConfigurationTarget.Workspace);
    }
    // Escape repairs nothing.
    assert.equal(await answerQuickPicks('workbench.action.closeQuickOpen', 'netmend.repairModel', uri, 'phi2'), undefined);
  }],
  ['Responsibility localises phi3 in the worker and the panel draws its heatmap; Fine-tune these neurons runs birdnn-ft on the two selected; Repair from phi3\'s CodeLens shows the verdict in the panel; Accept writes it beside the model (ONNX Runtime runs it; the original is unchanged)', async () => {
    const editor = await openProp();
    const uri = editor.document.uri;
    // More room for the panel in the screenshots.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('notifications.clearAll');
    const renders = watchRenders();
    try {
      const modelPath = join(folder(), 'ACASXU_run2a_1_9_batch_2000.onnx');
      const original = readFileSync(modelPath);
      // The CodeLens's Responsibility: localisation of phi3's violation in the worker, drawn by the panel.
      assert.equal(await vscode.commands.executeCommand('netmend.showResponsibility', uri, 'phi3'), true);
      const heatmap = await waitFor('the heatmap to render', () => renders.find((r) => r.view === 'responsibility'));
      assert.deepEqual({ layers: heatmap.layers, cells: heatmap.cells }, { layers: 6, cells: 300 });
      assert.match(heatmap.text ?? '', /Why phi3 fails: neuron responsibility/);
      assert.match(heatmap.text ?? '', /6 hidden layers, 300 neurons/);
      await screenshotsInBothThemes('vscode-heatmap');

      // Select the focused neuron (the top one) and its right neighbour with the keyboard, then Fine-tune these
      // neurons: BIRDNN fine-tuning of exactly those two, shown for review.
      await withSettings({ 'repair.timeoutSeconds': 5, 'verify.timeoutSeconds': 10, 'repair.recheckOtherProperties': false }, async () => {
        webviewSteps([{ focus: '.heatmap' }, { press: 'Space' }, { press: 'ArrowRight' }, { press: 'Space' }, { click: '.responsibility aside vscode-button' }]);
        const tuned = await waitFor('the fine-tuned review', () => renders.find((r) => r.view === 'review'), 90000);
        assert.match(tuned.text ?? '', /BIRDNN fine-tuning repair of phi3/);
        const select = /select=(\d+):(\d+);(\d+):(\d+)/.exec(tuned.text ?? '');
        assert.ok(select, `the review names the two selected neurons: ${tuned.text?.slice(0, 300)}`);
        const [, l1, n1, l2, n2] = select.map(Number);
        assert.ok((l1 === l2 && n2 === n1 + 1) || (l2 === l1 + 1 && n2 === 0), `neighbours: ${select[0]}`);
      });
      await vscode.commands.executeCommand('netmend.rejectRepair');
      await waitFor('the rejected review', () => renders.find((r) => r.view === 'review' && /^Rejected: /m.test(r.text ?? '')));
      renders.length = 0;

      // phi3 is violated: Repair from its CodeLens with BIRDNN fine-tuning (the default here; proven on this property),
      // the other properties not re-verified to keep it short. Its swarm stops when it no longer improves (27 s at a
      // load of 27 on 2 cores): a budget that cuts it short would make the verdict depend on the machine's load.
      const line = editor.document.getText().split('\n').findIndex((l) => l.startsWith('property phi3'));
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const repairLens = lenses.find((l) => l.range.start.line === line && l.command?.title === 'Repair');
      assert.ok(repairLens?.command, 'a Repair CodeLens above phi3');
      const result = await withSettings({ 'repair.defaultMethod': 'birdnn-ft', 'repair.timeoutSeconds': 120, 'repair.recheckOtherProperties': false },
        () => answerQuickPicks<RepairOutcomeShown>('workbench.action.acceptSelectedQuickOpenItem', repairLens.command!.command, ...(repairLens.command!.arguments ?? [])));
      assert.equal(result?.method, 'birdnn-ft');
      assert.equal(result?.verdict, 'repaired', 'the written model is proved to satisfy phi3');
      // The verdict as the panel shows it.
      const review = await waitFor('the review to render', () => renders.find((r) => r.view === 'review'));
      assert.match(review.text ?? '', /BIRDNN fine-tuning repair of phi3/);
      assert.match(review.text ?? '', /Repaired: the property holds on the written model — the property is proved on the written model/);
      await screenshotsInBothThemes('vscode-review');
      assert.ok(panel().pendingReview(), 'the review waits for Accept');
      await vscode.commands.executeCommand('netmend.acceptRepair');
      const written = join(folder(), 'ACASXU_run2a_1_9_batch_2000.repaired.onnx');
      await waitFor('the accepted file', () => (existsSync(written) && panel().pendingReview() === undefined ? true : undefined));
      assert.deepEqual(readFileSync(modelPath), original, 'the original is byte-identical');
      assert.deepEqual(readFileSync(written), readFileSync(result.repairedPath!), 'the accepted file is the model the driver judged');
      // ONNX Runtime runs the accepted file and agrees with our reading of it (our export declares a batch dimension).
      const accepted = loadModelFile(written);
      const ort = await OrtModel.load(written, [1, 5]);
      for (const x of [[-0.3, 0, 0.49, 0.3, 0.3], [0.6, -0.4, 0.2, -0.5, 0.5], [0, 0, 0, 0, 0]].map((v) => Float64Array.from(v))) {
        const [y] = await ort.run([x]);
        forwardModel(accepted, x).forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-4, `output ${i}: ${v} vs ${y[i]}`));
      }
      const acceptedView = await waitFor('the accepted review', () => renders.find((r) => r.view === 'review' && /Accepted: written to/.test(r.text ?? '')));
      assert.match(acceptedView.text ?? '', /ACASXU_run2a_1_9_batch_2000\.repaired\.onnx/);
    } finally {
      renders.dispose();
    }
  }, 300_000],
  ['the walkthrough opens the bundled ACAS Xu example', async () => {
    await vscode.commands.executeCommand('netmend.openExample');
    const editor = await waitFor('the example', () => (vscode.window.activeTextEditor?.document.fileName.endsWith(join('acasxu-example', 'acasxu.prop')) ? vscode.window.activeTextEditor : undefined));
    assert.equal(editor.document.languageId, 'prop');
  }],
  // docs/screenshot-editor.png is a copy of its screenshot.
  ['the counterexample of phi3 shows as a hover on its requirement', async () => {
    await useTheme('Default Light Modern');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
    const editor = await openProp();
    const diagnostic = await waitFor('the counterexample of phi3', () => vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.code === 'counterexample' && d.message.startsWith('phi3 ')));
    const at = diagnostic.range.start.translate(0, 2);
    editor.selection = new vscode.Selection(at, at);
    editor.revealRange(diagnostic.range, vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('editor.action.showHover');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, at);
    assert.ok(hovers.length > 0);
    await new Promise((r) => setTimeout(r, 1000));
    await screenshot('vscode-editor-counterexample-light');
  }],
  // Last: the comparison stays in the panel for the reload suite (reload.ts), which checks that it comes back.
  ['Repair with Every Method on phi3 runs each method the worker has and fills the comparison, best first, the best of each column marked', async () => {
    // A fresh editor: the previous test's hover would cover the panel in the screenshots.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const editor = await openProp();
    await vscode.commands.executeCommand('notifications.clearAll');
    const renders = watchRenders();
    try {
      // Short budgets: this test is about the table, not about how well each method does.
      const reports = await withSettings({ 'repair.timeoutSeconds': 5, 'verify.timeoutSeconds': 10, 'repair.recheckOtherProperties': false },
        () => vscode.commands.executeCommand<RepairReport[]>('netmend.repairAll', editor.document.uri, 'phi3'));
      const ids = reports.map((r) => r.method);
      // The methods come from the worker's registry: every one that repairs properties, each once.
      for (const id of ['reassure', 'nrepair', 'birdnn-ft', 'birdnn-rt']) assert.ok(ids.includes(id as RepairReport['method']), `${id} ran: ${ids.join(', ')}`);
      assert.equal(new Set(ids).size, ids.length);
      for (const id of ids) assert.ok(REPAIR_CATALOG.find((m) => m.id === id)?.needs.includes('property'), `${id} repairs properties`);
      const shown = await waitFor('the comparison to render', () => renders.find((r) => r.view === 'compare'));
      // One table row per report, in compareRepairs' order, with as many stars as columns where it is best.
      const rows = compareRepairs(reports);
      const lines = (shown.text ?? '').split('\n');
      const rowLines = rows.map((row) => lines.find((l) => l.startsWith(`${row.report.methodName}\t`)));
      rowLines.forEach((l, k) => assert.ok(l, `a row for ${rows[k].report.methodName}: ${shown.text}`));
      assert.deepEqual(rowLines.map((l) => lines.indexOf(l!)), [...rowLines.map((l) => lines.indexOf(l!))].sort((a, b) => a - b), 'rows best first');
      rows.forEach((row, k) => assert.equal(rowLines[k]!.split('★').length - 1, row.best.size, `${row.report.methodName}: ${rowLines[k]}`));
      assert.ok(rows.some((row) => row.best.size > 0), 'some column has a best value');
      assert.match(shown.text ?? '', /Repair methods compared on phi3/);
      await screenshotsInBothThemes('vscode-compare');
    } finally {
      renders.dispose();
    }
  }, 240_000],
];

export function run(): Promise<void> {
  const mocha = new Mocha({ timeout: 60000, color: false });
  const suite = Mocha.Suite.create(mocha.suite, 'NetMend in VS Code');
  for (const [title, fn, timeout] of tests) {
    const test = new Mocha.Test(title, fn);
    suite.addTest(test);
    // After addTest, which gives the test the suite's timeout.
    if (timeout) test.timeout(timeout);
  }
  return new Promise((ok, fail) => mocha.run((failures) => endSuite(failures).then(ok, fail)));
}
