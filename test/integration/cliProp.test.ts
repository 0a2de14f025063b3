/** `netmend check` and `netmend convert`: the CLI contract for .prop files. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVnnlib } from '../../src/core/property/vnnlib';
import { dataPath, runCli } from '../helpers';

const tmp = mkdtempSync(join(tmpdir(), 'netmend-prop-'));
const example = join(__dirname, '..', '..', 'examples', 'acasxu', 'acasxu.prop');

test('check: a clean file exits 0; a broken one lists every error with file:line:column and exits 1', () => {
  const clean = runCli(['check', example]);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /10 properties, 0 errors, 0 warnings/);
  const broken = join(tmp, 'broken.prop');
  writeFileSync(broken, 'input a in [0, 1]\noutput y\nproperty p {\n  where a <= 2 and\n  require y <= b\n}\n');
  const run = runCli(['check', broken, '--json']);
  assert.equal(run.code, 1);
  const { diagnostics } = JSON.parse(run.stdout);
  assert.ok(diagnostics.length >= 1);
  assert.ok(diagnostics.every((d: { range: { start: { line: number } }; message: string }) => d.range.start.line >= 0 && d.message));
  const text = runCli(['check', broken]);
  assert.match(text.stdout, /broken\.prop:\d+:\d+: error: /);
});

test('convert: VNN-LIB -> .prop -> VNN-LIB keeps the query', () => {
  const propFile = join(tmp, 'prop_6.prop');
  assert.equal(runCli(['convert', dataPath('acasxu', 'prop_6.vnnlib'), '--to', 'prop', '-o', propFile]).code, 0);
  assert.equal(runCli(['check', propFile]).code, 0);
  const back = runCli(['convert', propFile, '--to', 'vnnlib']);
  assert.equal(back.code, 0, back.stderr);
  const original = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_6.vnnlib'), 'utf8'));
  const again = parseVnnlib(back.stdout);
  assert.equal(again.region.length, 2);
  again.region.forEach((p, k) => p.lower.forEach((l, i) => assert.equal(l, original.region[k].lower[i])));
  assert.equal(again.violation.length, original.violation.length);
});

test('convert: a .prop with several properties needs --property; verify reads .prop files', () => {
  const many = runCli(['convert', example, '--to', 'vnnlib']);
  assert.equal(many.code, 1);
  assert.match(many.stderr, /choose one with --property \(phi1, phi2/);
  const one = runCli(['convert', example, '--to', 'vnnlib', '--property', 'phi3']);
  assert.equal(one.code, 0);
  assert.equal(parseVnnlib(one.stdout).violation[0].length, 4);
  const missing = runCli(['check', join(tmp, 'missing.prop')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /missing\.prop: cannot read the \.prop file: no such file/);
  const garbage = join(tmp, 'garbage.vnnlib');
  writeFileSync(garbage, '(assert (<= X_0');
  const bad = runCli(['convert', garbage, '--to', 'prop']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /garbage\.vnnlib:1:\d+: unclosed/);
  const verify = runCli(['verify', join(__dirname, '..', '..', 'examples', 'acasxu', 'ACASXU_run2a_1_9_batch_2000.onnx'), example, '--property', 'phi3', '--json']);
  assert.equal(verify.code, 1, verify.stderr);
  assert.equal(JSON.parse(verify.stdout)[0].status, 'violated');
});
