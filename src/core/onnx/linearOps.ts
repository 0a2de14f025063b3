/** The linear ONNX operators, each lowered onto symbolic tensors (constant folding or composing the affine map). */
import { onnx } from 'onnx-proto';
import { InputError } from '../errors';
import { MAX_DENSE_VALUES } from '../network/network';
import { decodeTensor, toNumber, type ConstTensor } from './tensorData';
import {
  addAffine, broadcastDims, broadcastIndex, combineRows, concatTensors, constant, denseArray, reshaped, scaleShift, sizeOf,
  type AffineTensor, type SymTensor,
} from './symbolic';

export interface OpContext {
  readonly node: onnx.INodeProto;
  readonly name: string;
  readonly arity: number;
  get(i: number): SymTensor;
}

type Lowering = (ctx: OpContext) => SymTensor;

const attr = (ctx: OpContext, name: string): onnx.IAttributeProto | undefined => ctx.node.attribute?.find((a) => a.name === name);
const intAttr = (ctx: OpContext, name: string, fallback: number): number => {
  const a = attr(ctx, name);
  return a?.i !== undefined && a.i !== null ? toNumber(a.i) : fallback;
};
const intsAttr = (ctx: OpContext, name: string): number[] | undefined => attr(ctx, name)?.ints?.map(toNumber);
const floatAttr = (ctx: OpContext, name: string, fallback: number): number => attr(ctx, name)?.f ?? fallback;

function fail(ctx: OpContext, message: string): never {
  throw new InputError(`${ctx.node.opType}: ${message}`, { node: ctx.name });
}

function constInput(ctx: OpContext, i: number, role: string): ConstTensor {
  const t = ctx.get(i);
  if (t.kind !== 'const') fail(ctx, `the ${role} must be a constant (an initializer), not computed from the network input`);
  return t;
}

/** Shape of a tensor after numpy-style index normalisation of a (possibly negative) axis. */
const axisOf = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

function elementwise(ctx: OpContext, op: 'Add' | 'Sub' | 'Mul' | 'Div'): SymTensor {
  const x = ctx.get(0);
  const y = ctx.get(1);
  const dims = broadcastDims(x.dims, y.dims);
  if (!dims) fail(ctx, `shapes [${x.dims.join(', ')}] and [${y.dims.join(', ')}] do not broadcast`);
  if (x.kind === 'const' && y.kind === 'const') {
    const xi = broadcastIndex(x.dims, dims);
    const yi = broadcastIndex(y.dims, dims);
    const f = { Add: (a: number, b: number) => a + b, Sub: (a: number, b: number) => a - b, Mul: (a: number, b: number) => a * b, Div: (a: number, b: number) => a / b }[op];
    return constant(dims, Float64Array.from(xi, (xk, k) => f(x.data[xk], y.data[yi[k]])));
  }
  if (x.kind === 'affine' && y.kind === 'affine') {
    if (op === 'Mul' || op === 'Div') fail(ctx, 'multiplying two values that depend on the input is not linear; only products with constants are supported');
    if (sizeOf(x.dims) !== sizeOf(y.dims) || sizeOf(dims) !== sizeOf(x.dims)) fail(ctx, 'adding two input-dependent values of different shapes is not supported');
    return addAffine(x, y, op === 'Add' ? 1 : -1, dims);
  }
  const [a, c, affineFirst] = x.kind === 'affine' ? [x, y as ConstTensor, true] : [y as AffineTensor, x as ConstTensor, false];
  if (sizeOf(dims) !== sizeOf(a.dims)) fail(ctx, `the constant of shape [${c.dims.join(', ')}] would enlarge the input-dependent value of shape [${a.dims.join(', ')}]`);
  const negated = (t: ConstTensor): ConstTensor => ({ dims: t.dims, data: t.data.map((v) => -v) });
  switch (op) {
    case 'Add': return scaleShift(a, dims, undefined, c);
    case 'Sub': return affineFirst ? scaleShift(a, dims, undefined, negated(c)) : scaleShift(a, dims, { dims: [1], data: Float64Array.of(-1) }, c);
    case 'Mul': return scaleShift(a, dims, c, undefined);
    case 'Div':
      if (!affineFirst) fail(ctx, 'dividing a constant by an input-dependent value is not linear');
      if (c.data.some((v) => v === 0)) fail(ctx, 'division by zero');
      return scaleShift(a, dims, { dims: c.dims, data: c.data.map((v) => 1 / v) }, undefined);
  }
}

/** Treat a tensor of rank <= 2 (after dropping leading 1s) as a matrix, numpy matmul style. */
function asMatrix(ctx: OpContext, dims: readonly number[], side: 'left' | 'right'): [number, number, number[]] {
  if (dims.length === 1) return side === 'left' ? [1, dims[0], []] : [dims[0], 1, []];
  const lead = dims.slice(0, -2);
  if (sizeOf(lead) !== 1) fail(ctx, `batched matrix products (shape [${dims.join(', ')}]) are not supported`);
  return [dims[dims.length - 2], dims[dims.length - 1], lead];
}

function matmul(ctx: OpContext, x: SymTensor, y: SymTensor): SymTensor {
  const [m, k, leadX] = asMatrix(ctx, x.dims, 'left');
  const [k2, n, leadY] = asMatrix(ctx, y.dims, 'right');
  if (k !== k2) fail(ctx, `inner dimensions differ: [${x.dims.join(', ')}] x [${y.dims.join(', ')}]`);
  const dims = [...(leadX.length > leadY.length ? leadX : leadY), ...(x.dims.length > 1 ? [m] : []), ...(y.dims.length > 1 ? [n] : [])];
  if (x.kind === 'const' && y.kind === 'const') {
    const out = denseArray(m, n);
    for (let i = 0; i < m; i++) for (let kk = 0; kk < k; kk++) for (let j = 0; j < n; j++) out[i * n + j] += x.data[i * k + kk] * y.data[kk * n + j];
    return constant(dims, out);
  }
  if (x.kind === 'affine' && y.kind === 'const') {
    return combineRows(x, dims, (r, add) => {
      const i = Math.floor(r / n);
      const j = r % n;
      for (let kk = 0; kk < k; kk++) add(i * k + kk, y.data[kk * n + j]);
      return 0;
    });
  }
  if (x.kind === 'const' && y.kind === 'affine') {
    return combineRows(y, dims, (r, add) => {
      const i = Math.floor(r / n);
      const j = r % n;
      for (let kk = 0; kk < k; kk++) add(kk * n + j, x.data[i * k + kk]);
      return 0;
    });
  }
  return fail(ctx, 'both operands depend on the network input; only products with a constant operand are linear');
}

function transpose2d(t: ConstTensor): ConstTensor {
  const [r, c] = t.dims;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return { dims: [c, r], data: out };
}

const gemm: Lowering = (ctx) => {
  const a = ctx.get(0);
  if (a.kind !== 'affine') fail(ctx, 'the first operand must depend on the network input');
  if (intAttr(ctx, 'transA', 0) !== 0) fail(ctx, 'transA=1 on an input-dependent operand is not supported');
  if (a.dims.length !== 2) fail(ctx, `the first operand must be a matrix, got shape [${a.dims.join(', ')}]`);
  let b = constInput(ctx, 1, 'weight B');
  if (b.dims.length !== 2) fail(ctx, `B must be a matrix, got shape [${b.dims.join(', ')}]`);
  if (intAttr(ctx, 'transB', 0) !== 0) b = transpose2d(b);
  const alpha = floatAttr(ctx, 'alpha', 1);
  const beta = floatAttr(ctx, 'beta', 1);
  const product = matmul(ctx, a, constant(b.dims, alpha === 1 ? b.data : b.data.map((v) => v * alpha))) as AffineTensor;
  if (ctx.arity < 3) return product;
  const c = constInput(ctx, 2, 'bias C');
  return scaleShift(product, product.dims, undefined, { dims: c.dims, data: beta === 1 ? c.data : c.data.map((v) => v * beta) });
};

function reshapeTo(ctx: OpContext, x: SymTensor, dims: number[]): SymTensor {
  if (sizeOf(dims) !== sizeOf(x.dims)) fail(ctx, `cannot reshape [${x.dims.join(', ')}] to [${dims.join(', ')}]`);
  return reshaped(x, dims);
}

const reshape: Lowering = (ctx) => {
  const x = ctx.get(0);
  const spec = Array.from(constInput(ctx, 1, 'target shape').data);
  const dims = spec.map((d, i) => (d === 0 && intAttr(ctx, 'allowzero', 0) === 0 ? x.dims[i] : d));
  const known = dims.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  return reshapeTo(ctx, x, dims.map((d) => (d === -1 ? sizeOf(x.dims) / known : d)));
};

const flatten: Lowering = (ctx) => {
  const x = ctx.get(0);
  const axis = axisOf(intAttr(ctx, 'axis', 1), x.dims.length);
  return reshapeTo(ctx, x, [sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis))]);
};

/** Squeeze/Unsqueeze take their axes from an attribute (opset < 13) or a second input. */
function axesOf(ctx: OpContext): number[] | undefined {
  return intsAttr(ctx, 'axes') ?? (ctx.arity > 1 ? Array.from(constInput(ctx, 1, 'axes').data) : undefined);
}

const squeeze: Lowering = (ctx) => {
  const x = ctx.get(0);
  const axes = axesOf(ctx)?.map((a) => axisOf(a, x.dims.length));
  return reshapeTo(ctx, x, x.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)));
};

const unsqueeze: Lowering = (ctx) => {
  const x = ctx.get(0);
  const axes = axesOf(ctx);
  if (!axes) fail(ctx, 'no axes given');
  const rank = x.dims.length + axes.length;
  const norm = axes.map((a) => axisOf(a, rank));
  const dims: number[] = [];
  let src = 0;
  for (let i = 0; i < rank; i++) dims.push(norm.includes(i) ? 1 : x.dims[src++]);
  return reshapeTo(ctx, x, dims);
};

const constantNode: Lowering = (ctx) => {
  const value = attr(ctx, 'value');
  if (value?.t) {
    const t = decodeTensor(value.t, ctx.name);
    return constant(t.dims, t.data);
  }
  const vf = attr(ctx, 'value_float');
  if (vf) return constant([], Float64Array.of(vf.f ?? 0));
  const vfs = attr(ctx, 'value_floats');
  if (vfs) return constant([vfs.floats?.length ?? 0], Float64Array.from(vfs.floats ?? []));
  const vi = attr(ctx, 'value_int');
  if (vi) return constant([], Float64Array.of(toNumber(vi.i ?? 0)));
  const vis = attr(ctx, 'value_ints');
  if (vis) return constant([vis.ints?.length ?? 0], Float64Array.from((vis.ints ?? []).map(toNumber)));
  return fail(ctx, 'only tensor, float(s) and int(s) constants are supported');
};

/** Inference-mode batch normalisation: a per-channel (axis 1) scale and shift. */
const batchNorm: Lowering = (ctx) => {
  const x = ctx.get(0);
  if (x.kind !== 'affine') fail(ctx, 'the input must depend on the network input');
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => constInput(ctx, i, ['scale', 'bias', 'mean', 'variance'][i - 1]).data);
  const eps = floatAttr(ctx, 'epsilon', 1e-5);
  const channels = x.dims[1];
  if (x.dims.length < 2 || scale.length !== channels) fail(ctx, `expected ${scale.length} channels on axis 1, got shape [${x.dims.join(', ')}]`);
  const perChannel = [channels, ...x.dims.slice(2).map(() => 1)];
  const mul = scale.map((s, c) => s / Math.sqrt(variance[c] + eps));
  const add = bias.map((b, c) => b - mean[c] * mul[c]);
  return scaleShift(x, x.dims, { dims: perChannel, data: mul }, { dims: perChannel, data: add });
};

/** 2-D convolution as a dense affine map (NCHW, batch 1). */
const conv: Lowering = (ctx) => {
  const x = ctx.get(0);
  if (x.kind !== 'affine') fail(ctx, 'the input must depend on the network input');
  const w = constInput(ctx, 1, 'weight');
  if (x.dims.length !== 4 || w.dims.length !== 4) fail(ctx, `only 2-D convolutions are supported (input [${x.dims.join(', ')}], weight [${w.dims.join(', ')}])`);
  const bias = ctx.arity > 2 ? constInput(ctx, 2, 'bias').data : undefined;
  const [batch, C, H, W] = x.dims;
  const [M, Cg, kH, kW] = w.dims;
  const group = intAttr(ctx, 'group', 1);
  if (batch !== 1) fail(ctx, `batch size ${batch} is not supported (expected 1)`);
  if (Cg * group !== C || M % group !== 0) fail(ctx, `weight shape [${w.dims.join(', ')}] does not match ${C} input channels in ${group} group(s)`);
  const [sH, sW] = intsAttr(ctx, 'strides') ?? [1, 1];
  const [dH, dW] = intsAttr(ctx, 'dilations') ?? [1, 1];
  const autoPad = attr(ctx, 'auto_pad')?.s ? new TextDecoder().decode(attr(ctx, 'auto_pad')!.s!) : 'NOTSET';
  let [pT, pL, pB, pR] = intsAttr(ctx, 'pads') ?? [0, 0, 0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const padFor = (size: number, stride: number, k: number, d: number): [number, number] => {
      const total = Math.max(0, (Math.ceil(size / stride) - 1) * stride + (k - 1) * d + 1 - size);
      const small = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
    };
    [pT, pB] = padFor(H, sH, kH, dH);
    [pL, pR] = padFor(W, sW, kW, dW);
  } else if (autoPad !== 'NOTSET' && autoPad !== 'VALID') {
    fail(ctx, `auto_pad ${autoPad} is not supported`);
  }
  const oH = Math.floor((H + pT + pB - dH * (kH - 1) - 1) / sH) + 1;
  const oW = Math.floor((W + pL + pR - dW * (kW - 1) - 1) / sW) + 1;
  if (oH <= 0 || oW <= 0) fail(ctx, 'the kernel is larger than the padded input');
  const mPerGroup = M / group;
  const liveSize = x.terms.reduce((s, t) => s + t.liveSize, 0);
  if (M * oH * oW * liveSize > MAX_DENSE_VALUES) {
    fail(ctx, `on input [${x.dims.join(', ')}] it lowers to a dense ${M * oH * oW} x ${liveSize} matrix (${(M * oH * oW * liveSize).toExponential(2)} values); NetMend handles at most ${MAX_DENSE_VALUES} values (512 MB) per layer`);
  }
  return combineRows(x, [1, M, oH, oW], (r, add) => {
    const m = Math.floor(r / (oH * oW));
    const oy = Math.floor(r / oW) % oH;
    const ox = r % oW;
    const g = Math.floor(m / mPerGroup);
    for (let c = 0; c < Cg; c++) {
      const ch = g * Cg + c;
      for (let ky = 0; ky < kH; ky++) {
        const iy = oy * sH - pT + ky * dH;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kW; kx++) {
          const ix = ox * sW - pL + kx * dW;
          if (ix < 0 || ix >= W) continue;
          add((ch * H + iy) * W + ix, w.data[((m * Cg + c) * kH + ky) * kW + kx]);
        }
      }
    }
    return bias ? bias[m] : 0;
  });
};

const passThrough: Lowering = (ctx) => ctx.get(0);

/** Branches side by side (the input of a dense map over both, for instance). */
const concat: Lowering = (ctx) => {
  const parts = Array.from({ length: ctx.arity }, (_, i) => ctx.get(i));
  const rank = parts[0].dims.length;
  const axis = axisOf(intAttr(ctx, 'axis', 0), rank);
  if (axis < 0 || axis >= rank) fail(ctx, `axis ${intAttr(ctx, 'axis', 0)} is out of range for rank ${rank}`);
  const agrees = (p: SymTensor): boolean => p.dims.length === rank && p.dims.every((d, i) => i === axis || d === parts[0].dims[i]);
  const bad = parts.find((p) => !agrees(p));
  if (bad) fail(ctx, `shapes [${parts[0].dims.join(', ')}] and [${bad.dims.join(', ')}] differ outside axis ${axis}`);
  const dims = parts[0].dims.map((d, i) => (i === axis ? parts.reduce((a, p) => a + p.dims[axis], 0) : d));
  return concatTensors(parts, axis, dims);
};

export const linearOps: Record<string, Lowering> = {
  Add: (ctx) => elementwise(ctx, 'Add'),
  Sub: (ctx) => elementwise(ctx, 'Sub'),
  Mul: (ctx) => elementwise(ctx, 'Mul'),
  Div: (ctx) => elementwise(ctx, 'Div'),
  MatMul: (ctx) => matmul(ctx, ctx.get(0), ctx.get(1)),
  Gemm: gemm,
  Flatten: flatten,
  Reshape: reshape,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Identity: passThrough,
  Dropout: passThrough,
  Constant: constantNode,
  BatchNormalization: batchNorm,
  Conv: conv,
};
