import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { acceptRepair, atomicWrite, modelLineEdit, repairedModelPath, type AcceptFs } from '../../../src/extension/panel/acceptRepair';
import { exportOnnx } from '../../../src/core/onnx/export';
import { parse } from '../../../src/core/property/parser';
import { acasNet, loadNetwork } from '../../helpers';

/** A folder with a real ACAS Xu model and a repaired candidate (a changed copy, exported as ONNX). */
function workspace(): { dir: string; model: string; candidate: string; original: Buffer; repaired: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), 'netmend-accept-'));
  const model = path.join(dir, 'net.onnx');
  copyFileSync(acasNet(1, 1), model);
  const net = loadNetwork(model);
  const changed = { ...net, layers: net.layers.map((l, i) => (i === net.layers.length - 1 ? { ...l, bias: l.bias.map((b) => b + 0.01) } : l)) };
  const candidate = path.join(dir, 'candidate.onnx');
  writeFileSync(candidate, exportOnnx(changed));
  return { dir, model, candidate, original: readFileSync(model), repaired: readFileSync(candidate) };
}

/** node's file operations, except that writing stops with an error once `limit` bytes are written (a full disk). */
function failingAfter(limit: number): AcceptFs {
  let written = 0;
  return {
    ...fsp,
    async open(file, flags) {
      const handle = await fsp.open(file, flags);
      return {
        async write(data, offset, length) {
          const n = Math.min(length, limit - written);
          if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          written += n;
          return handle.write(data, offset, n);
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    },
  };
}

test('accept writes <model>.repaired.onnx beside the original, byte for byte, and leaves the original alone', async (t) => {
  const w = workspace();
  t.after(() => rmSync(w.dir, { recursive: true, force: true }));
  const result = await acceptRepair({ modelPath: w.model, repaired: w.candidate, overwrite: false });
  assert.equal(result.written, path.join(w.dir, 'net.repaired.onnx'));
  assert.equal(result.backup, undefined);
  assert.deepEqual(readFileSync(result.written), w.repaired);
  assert.deepEqual(readFileSync(w.model), w.original);
  // The written file is a model that loads, and it is the repaired one.
  assert.deepEqual(Array.from(loadNetwork(result.written).layers.at(-1)!.bias), Array.from(loadNetwork(w.candidate).layers.at(-1)!.bias));
  assert.deepEqual(readdirSync(w.dir).sort(), ['candidate.onnx', 'net.onnx', 'net.repaired.onnx'], 'no temporary file left');
});

test('overwrite writes a backup of the original first, then replaces it', async (t) => {
  const w = workspace();
  t.after(() => rmSync(w.dir, { recursive: true, force: true }));
  writeFileSync(path.join(w.dir, 'net.backup.onnx'), 'an older backup');
  const result = await acceptRepair({ modelPath: w.model, repaired: new Uint8Array(w.repaired), overwrite: true });
  assert.equal(result.written, w.model);
  assert.equal(result.backup, path.join(w.dir, 'net.backup-2.onnx'), 'an existing backup is kept');
  assert.deepEqual(readFileSync(result.backup), w.original);
  assert.deepEqual(readFileSync(w.model), w.repaired);
  assert.equal(readFileSync(path.join(w.dir, 'net.backup.onnx'), 'utf8'), 'an older backup');
});

test('a failure mid-write leaves the original byte-identical and no temporary file, and says what happened', async (t) => {
  const w = workspace();
  t.after(() => rmSync(w.dir, { recursive: true, force: true }));
  const half = Math.floor(w.repaired.length / 2);
  // Overwrite chosen: the backup (full size) succeeds, then the disk fills halfway through the new model.
  await assert.rejects(
    acceptRepair({ modelPath: w.model, repaired: w.candidate, overwrite: true }, failingAfter(w.original.length + half)),
    /ENOSPC.*the original is unchanged and its backup is .*net\.backup\.onnx/,
  );
  assert.deepEqual(readFileSync(w.model), w.original);
  assert.deepEqual(readFileSync(path.join(w.dir, 'net.backup.onnx')), w.original);
  assert.deepEqual(readdirSync(w.dir).sort(), ['candidate.onnx', 'net.backup.onnx', 'net.onnx']);
  // Beside the original: an existing earlier repair survives a failed write of the next one.
  writeFileSync(path.join(w.dir, 'net.repaired.onnx'), 'the earlier repair');
  await assert.rejects(acceptRepair({ modelPath: w.model, repaired: w.candidate, overwrite: false }, failingAfter(half)), /ENOSPC/);
  assert.equal(readFileSync(path.join(w.dir, 'net.repaired.onnx'), 'utf8'), 'the earlier repair');
  assert.deepEqual(readFileSync(w.model), w.original);
});

test('a failed rename (e.g. the target folder is read-only at the last step) removes the temporary file', async (t) => {
  const w = workspace();
  t.after(() => rmSync(w.dir, { recursive: true, force: true }));
  const fs: AcceptFs = { ...fsp, rename: async () => { throw new Error('EACCES: permission denied, rename'); } };
  await assert.rejects(atomicWrite(w.model, new Uint8Array(w.repaired), fs), /EACCES/);
  assert.deepEqual(readFileSync(w.model), w.original);
  assert.deepEqual(readdirSync(w.dir).sort(), ['candidate.onnx', 'net.onnx']);
});

test('the name template: {name} is the file name without extension; folders and the original itself are refused', () => {
  assert.equal(repairedModelPath('/m/acas.onnx'), path.join('/m', 'acas.repaired.onnx'));
  assert.equal(repairedModelPath('/m/acas.onnx', '{name}-fixed.onnx'), path.join('/m', 'acas-fixed.onnx'));
  assert.throws(() => repairedModelPath('/m/acas.onnx', '../{name}.onnx'), /without folders/);
  assert.throws(() => repairedModelPath('/m/acas.onnx', '{name}.onnx'), /names the original/);
});

test('overwriting a .nnet original is refused (the repair is ONNX); writing beside it gives an .onnx file', async (t) => {
  const w = workspace();
  t.after(() => rmSync(w.dir, { recursive: true, force: true }));
  const nnet = path.join(w.dir, 'net.nnet');
  writeFileSync(nnet, 'a .nnet file');
  await assert.rejects(acceptRepair({ modelPath: nnet, repaired: w.candidate, overwrite: true }), /not ONNX.*nothing was written/);
  assert.equal(readFileSync(nnet, 'utf8'), 'a .nnet file');
  const beside = await acceptRepair({ modelPath: nnet, repaired: w.candidate, overwrite: false });
  assert.equal(beside.written, path.join(w.dir, 'net.repaired.onnx'));
});

test('an empty candidate writes nothing', async (t) => {
  const w = workspace();
  t.after(() => rmSync(w.dir, { recursive: true, force: true }));
  await assert.rejects(acceptRepair({ modelPath: w.model, repaired: new Uint8Array(0), overwrite: true }), /empty; nothing was written/);
  assert.deepEqual(readdirSync(w.dir).sort(), ['candidate.onnx', 'net.onnx']);
});

test('the .prop edit replaces the model declaration with a path relative to the .prop file', () => {
  const text = '// ACAS Xu\nmodel "nets/acas.onnx"\ninput x in [0, 1]\n';
  const decl = parse(text).file.decls.find((d) => d.kind === 'model')!;
  assert.ok(decl && decl.kind === 'model');
  const edit = modelLineEdit(decl, '/w/props/a.prop', '/w/props/nets/acas.repaired.onnx');
  assert.deepEqual(edit.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 22 } });
  assert.equal(edit.text, 'model "nets/acas.repaired.onnx"');
  const lines = text.split('\n');
  lines[1] = lines[1].slice(0, edit.range.start.character) + edit.text + lines[1].slice(edit.range.end.character);
  const edited = parse(lines.join('\n')).file.decls.find((d) => d.kind === 'model');
  assert.equal(edited?.kind === 'model' ? edited.path : undefined, 'nets/acas.repaired.onnx');
});
