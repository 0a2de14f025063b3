/** Helpers shared by the trusted (index.ts) and untrusted (untrusted.ts) suites; bundled into each. */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Syntax and checker diagnostics (the live checks add counterexamples besides). */
export const checkerDiagnostics = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.code !== 'counterexample');

/**
 * One edit (one undo step) with two errors: a sixth input, which only the model's five inputs make an error, and the
 * unknown name 'CCO', which the checker finds without the model. Waiting for the latter proves this very version was
 * checked; returns the checker's messages for it.
 */
export async function addSixthInputAndUnknownName(editor: vscode.TextEditor): Promise<string[]> {
  const lines = editor.document.getText().split('\n');
  const lastInput = lines.findIndex((l) => l.startsWith('input v_int'));
  const requireLine = lines.findIndex((l) => l.includes('require argmin != COC'));
  const column = lines[requireLine].indexOf('COC');
  await editor.edit((e) => {
    e.insert(new vscode.Position(lastInput + 1, 0), 'input extra in [0, 1]\n');
    e.replace(new vscode.Range(requireLine, column, requireLine, column + 3), 'CCO');
  });
  const uri = editor.document.uri;
  await waitFor('the unknown-name diagnostic', () => (checkerDiagnostics(uri).some((d) => d.message.includes("unknown name 'CCO'")) ? true : undefined));
  return checkerDiagnostics(uri).map((d) => d.message);
}

/** Both suites start with this: the NetMend that runs is the build under test (run.mjs names its folder). */
export const extensionUnderTest: [string, () => Promise<void>] = ['NetMend runs from the build under test (the source tree, or the installed .vsix)', async () => {
  const root = process.env.NETMEND_E2E_EXTENSION_ROOT;
  assert.ok(root, 'run.mjs sets NETMEND_E2E_EXTENSION_ROOT');
  const path = vscode.extensions.getExtension('netmend.netmend')?.extensionPath;
  assert.ok(path === root || path?.startsWith(root + sep), `NetMend at ${path}, expected under ${root}`);
}];

/**
 * A screenshot of the workbench as it is now, taken by run.mjs (which holds the browser): the suite asks through its
 * log and waits for the file. Saved as test/e2e/screenshots/<name>.png.
 */
export async function screenshot(name: string): Promise<void> {
  const folder = process.env.NETMEND_E2E_SCREENSHOTS;
  assert.ok(folder, 'run.mjs sets NETMEND_E2E_SCREENSHOTS');
  const file = join(folder, `${name}.png`);
  rmSync(file, { force: true });
  console.log(`${SCREENSHOT_REQUEST}${name}`);
  await waitFor(`the screenshot ${name}`, () => (existsSync(file) ? true : undefined), 30000);
}

/** The log line run.mjs answers with a screenshot (keep in step with run.mjs). */
const SCREENSHOT_REQUEST = 'netmend-e2e-screenshot:';

/** Switches VS Code's colour theme and gives the workbench and the panel time to repaint. */
export async function useTheme(theme: 'Default Light Modern' | 'Default Dark Modern'): Promise<void> {
  await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
  await new Promise((r) => setTimeout(r, 1500));
}

/** Keys and clicks inside the NetMend webview, done by run.mjs (which holds the browser); fire and forget. */
export function webviewSteps(steps: readonly ({ focus: string } | { click: string } | { press: string })[]): void {
  console.log(`netmend-e2e-webview:${JSON.stringify(steps)}`);
}

/**
 * How a suite ends when run.mjs runs another one after it in the same session (it sets NETMEND_E2E_RELOAD): the suite
 * asks through its log to be reloaded into the next one and never returns. VS Code then reloads with this extension
 * host still running, as it does for a user, so the panel's serializer is registered and the panel is saved with the
 * window; an extension host that has exited leaves no serializer and the panel is dropped.
 */
export function endSuite(failures: number): Promise<void> {
  if (failures) return Promise.reject(new Error(`${failures} e2e test(s) failed`));
  if (!process.env.NETMEND_E2E_RELOAD) return Promise.resolve();
  console.log(RELOAD_REQUEST);
  return new Promise(() => undefined);
}

/** The log line run.mjs answers by reloading the workbench into the next suite (keep in step with run.mjs). */
const RELOAD_REQUEST = 'netmend-e2e-reload';
