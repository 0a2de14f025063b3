/**
 * Losses over a batch of network outputs. Each returns the batch's mean loss and writes d(mean loss)/d(outputs) into
 * `dOutputs`; `rows` are the batch's indices into the data set the loss was built for (targets, labels, weights).
 */
import { decidingRow, type OutputDnf } from '../query/normalForm';
import type { Vec } from './kernels';
import type { OrtLossKind } from './ortBackprop';

export interface Loss {
  (outputs: Vec, rows: ArrayLike<number>, dOutputs: Vec): number;
  /** Present when the ONNX Runtime engine can compute this loss inside its graph (./ortBackprop.ts). */
  readonly ort?: OrtLoss;
}

/** Targets [count][outSize] (one-hot for cross-entropy) and each sample's weight (1 when absent). */
export interface OrtLoss {
  readonly kind: OrtLossKind;
  readonly targets: (row: number, width: number, out: Float32Array, offset: number) => void;
  readonly weight: (row: number) => number;
}

/** Mean squared error against per-sample targets ([count][outSize]); `weights` scales each sample's term. */
export function mseLoss(targets: ArrayLike<number>, weights?: ArrayLike<number>): Loss {
  const loss = (outputs: Vec, rows: ArrayLike<number>, dOutputs: Vec) => {
    const batch = rows.length;
    const m = outputs.length / batch;
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const w = weights ? weights[rows[b]] : 1;
      const t = rows[b] * m;
      for (let j = 0; j < m; j++) {
        const d = outputs[b * m + j] - targets[t + j];
        total += w * d * d;
        dOutputs[b * m + j] = (2 * w * d) / (batch * m);
      }
    }
    return total / (batch * m);
  };
  return Object.assign(loss, {
    ort: {
      kind: 'mse' as const,
      targets: (row: number, width: number, out: Float32Array, offset: number) => {
        for (let j = 0; j < width; j++) out[offset + j] = targets[row * width + j];
      },
      weight: (row: number) => (weights ? weights[row] : 1),
    },
  });
}

/** Softmax cross-entropy against integer labels. */
export function crossEntropyLoss(labels: ArrayLike<number>): Loss {
  const loss = (outputs: Vec, rows: ArrayLike<number>, dOutputs: Vec) => {
    const batch = rows.length;
    const m = outputs.length / batch;
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const o = b * m;
      let max = -Infinity;
      for (let j = 0; j < m; j++) max = Math.max(max, outputs[o + j]);
      let sum = 0;
      for (let j = 0; j < m; j++) sum += Math.exp(outputs[o + j] - max);
      const label = labels[rows[b]];
      total += Math.log(sum) + max - outputs[o + label];
      for (let j = 0; j < m; j++) dOutputs[o + j] = (Math.exp(outputs[o + j] - max) / sum - (j === label ? 1 : 0)) / batch;
    }
    return total / batch;
  };
  return Object.assign(loss, {
    ort: {
      kind: 'crossEntropy' as const,
      targets: (row: number, width: number, out: Float32Array, offset: number) => {
        out.fill(0, offset, offset + width);
        out[offset + labels[row]] = 1;
      },
      weight: () => 1,
    },
  });
}

/** I-REPAIR's label-free loss on the correct set, L_abs = sum_i |y_i| (mean over the batch). */
export function absOutputLoss(): Loss {
  const loss = (outputs: Vec, rows: ArrayLike<number>, dOutputs: Vec) => {
    const batch = rows.length;
    let total = 0;
    for (let i = 0; i < outputs.length; i++) {
      total += Math.abs(outputs[i]);
      dOutputs[i] = Math.sign(outputs[i]) / batch;
    }
    return total / batch;
  };
  return Object.assign(loss, { ort: { kind: 'absOutput' as const, targets: () => {}, weight: () => 1 } });
}

/**
 * Hinge on the decision margin: for argmax, max(0, max_{j≠label} y_j - y_label + kappa); for argmin the mirror image.
 * Zero once the label wins by kappa.
 */
export function marginLoss(labels: ArrayLike<number>, decision: 'argmax' | 'argmin', kappa = 0): Loss {
  const sign = decision === 'argmax' ? 1 : -1;
  return (outputs, rows, dOutputs) => {
    const batch = rows.length;
    const m = outputs.length / batch;
    dOutputs.fill(0, 0, batch * m);
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const o = b * m;
      const label = labels[rows[b]];
      let rival = -1;
      for (let j = 0; j < m; j++) if (j !== label && (rival < 0 || sign * outputs[o + j] > sign * outputs[o + rival])) rival = j;
      const value = sign * (outputs[o + rival] - outputs[o + label]) + kappa;
      if (value <= 0) continue;
      total += value;
      dOutputs[o + rival] = sign / batch;
      dOutputs[o + label] = -sign / batch;
    }
    return total / batch;
  };
}

/**
 * SpecRepair's penalty: relu(epsilon - violationMargin(y)), zero once the outputs are at least epsilon away from the
 * property's violation.
 */
export function violationLoss(violation: OutputDnf, epsilon = 0): Loss {
  return (outputs, rows, dOutputs) => {
    const batch = rows.length;
    const m = outputs.length / batch;
    dOutputs.fill(0, 0, batch * m);
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const { margin, row } = decidingRow(violation, outputs.subarray(b * m, (b + 1) * m));
      const coeffs = row?.coeffs;
      const value = epsilon - margin;
      if (value <= 0 || !coeffs) continue;
      total += value;
      for (let j = 0; j < m; j++) dOutputs[b * m + j] = -coeffs[j] / batch;
    }
    return total / batch;
  };
}
