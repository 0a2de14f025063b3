/**
 * The messages between the extension host and the NetMend panel, both ways, and their validators. The host
 * (src/extension/panel) and the webview bundle (webview/main.ts) import this one file, so a message cannot drift; each
 * side validates what it receives, because a webview is a separate process and its state is restored from storage.
 * No DOM and no `vscode` here: the file is type-checked with the engine and with the webview.
 */
import type { LayerResponsibility, Responsibility } from '../src/core/localize/types';
import type { RepairReport } from '../src/core/repair/report';

/** A neuron of the heatmap: layer index into `Responsibility.layers`, neuron index in that layer. */
export interface NeuronRef { readonly layer: number; readonly neuron: number }

export type ReviewStatus =
  | { readonly state: 'pending' }
  | { readonly state: 'accepted'; readonly path: string; readonly backup?: string }
  | { readonly state: 'rejected' }
  | { readonly state: 'failed'; readonly message: string }
  /** The method produced no model: a report to read, nothing to accept. */
  | { readonly state: 'empty' };

/** What the panel shows. The host keeps the latest; the webview keeps it in its state to survive a reload. */
export type View =
  | { readonly kind: 'empty' }
  | { readonly kind: 'responsibility'; readonly docUri: string; readonly responsibility: Responsibility }
  | {
      readonly kind: 'review';
      /** The host's key for the repaired model waiting for Accept or Reject. */
      readonly reviewId: string;
      readonly docUri?: string;
      readonly report: RepairReport;
      readonly status: ReviewStatus;
    }
  | { readonly kind: 'compare'; readonly docUri?: string; readonly property?: string; readonly reports: readonly RepairReport[]; readonly reviewIds: readonly (string | null)[] };

export type HostMessage =
  | { readonly type: 'show'; readonly view: View }
  /** A long job for the panel runs (message) or ended (undefined). */
  | { readonly type: 'busy'; readonly message?: string };

export type PanelMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'accept'; readonly reviewId: string; readonly overwrite: boolean }
  | { readonly type: 'reject'; readonly reviewId: string }
  /** From the comparison table: show one method's review. */
  | { readonly type: 'openReview'; readonly reviewId: string }
  | { readonly type: 'fineTune'; readonly docUri: string; readonly property: string; readonly neurons: readonly NeuronRef[] }
  /** Run Repair Model... for a property of a .prop file (the method is picked in VS Code). */
  | { readonly type: 'repair'; readonly docUri: string; readonly property: string }
  /** The webview drew a view (for the heatmap: how many layers and cells), so the host and its tests know what shows. */
  | {
      readonly type: 'rendered'; readonly view: View['kind']; readonly layers?: number; readonly cells?: number;
      /** What the view says, as the page renders it (first RENDERED_TEXT_LIMIT characters): what a user reads, for tests and logs. */
      readonly text?: string;
    }
  /** The webview received something it could not read: the host logs it. */
  | { readonly type: 'invalid'; readonly detail: string };

export const RENDERED_TEXT_LIMIT = 20_000;

// ---- validators ------------------------------------------------------------------------------------------------------

type Guard<T> = (v: unknown) => v is T;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
/** Finite numbers only: JSON turns NaN and Infinity into null, and a drawing must not meet them. */
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isFraction = (v: unknown): v is number => isNumber(v) && v >= 0 && v <= 1;
const arrayOf = <T>(item: Guard<T>): Guard<T[]> => (v): v is T[] => Array.isArray(v) && v.every(item);
const optional = <T>(guard: Guard<T>): Guard<T | undefined> => (v): v is T | undefined => v === undefined || guard(v);
const oneOf = <T extends string>(...values: T[]): Guard<T> => (v): v is T => values.includes(v as T);

/** An object with (at least) these fields; extra fields are allowed, so a contract can grow without breaking the panel. */
function shape<T>(fields: Record<string, (v: unknown) => boolean>): Guard<T> {
  return (v): v is T => isRecord(v) && Object.entries(fields).every(([key, guard]) => guard(v[key]));
}

const isLayerResponsibility = (v: unknown): v is LayerResponsibility => {
  if (!shape<LayerResponsibility>({
    name: isString, sources: optional(arrayOf(isString)), scores: arrayOf(isNumber), perLayer: arrayOf(isFraction), global: arrayOf(isFraction),
    activeViolating: arrayOf(isFraction), activeSafe: arrayOf(isFraction), meanViolating: arrayOf(isNumber), meanSafe: arrayOf(isNumber),
  })(v)) return false;
  const n = v.scores.length;
  return [v.perLayer, v.global, v.activeViolating, v.activeSafe, v.meanViolating, v.meanSafe].every((a) => a.length === n);
};

export const isResponsibility = (v: unknown): v is Responsibility => {
  if (!shape<Responsibility>({
    property: isString, method: oneOf('birdnn', 'birdnn-code', 'gradient'), layers: arrayOf(isLayerResponsibility),
    top: arrayOf(shape({ layer: isIndex, neuron: isIndex, score: isNumber })),
    samples: shape({ violating: isIndex, safe: isIndex }), timeSec: isNumber,
    search: optional(shape({ verdict: oneOf('violated', 'holds', 'unknown'), timeSec: isNumber, limitSec: isNumber })),
  })(v)) return false;
  return v.top.every((t) => t.layer < v.layers.length && t.neuron < v.layers[t.layer].scores.length);
};

const isAgreement = optional(shape({ agreement: isFraction, samples: isIndex }));
const isOptions = (v: unknown): v is Record<string, number | string | boolean> =>
  isRecord(v) && Object.values(v).every((x) => isNumber(x) || isString(x) || isBoolean(x));

export const isRepairReport: Guard<RepairReport> = shape<RepairReport>({
  method: oneOf('reassure', 'nrepair', 'irepair', 'specrepair', 'birdnn-ft', 'birdnn-rt'),
  methodName: isString,
  options: isOptions,
  model: isString,
  property: optional(isString),
  repairedFile: optional(isString),
  verdict: (v: unknown) => shape({ status: oneOf('repaired', 'not-repaired', 'unknown'), detail: isString })(v)
    && optional(shape({ input: arrayOf(isNumber), output: arrayOf(isNumber) }))((v as Record<string, unknown>).counterexample),
  repairPoints: optional(shape({ fixed: isIndex, total: isIndex, unfixed: arrayOf(isIndex) })),
  regressions: arrayOf(shape({ property: isString, after: oneOf('violated', 'unknown'), detail: isString })),
  recheckedProperties: arrayOf(isString),
  fidelity: optional(shape({
    region: isAgreement, domain: isAgreement, keepSet: isAgreement,
    maxOutputChange: isNumber, meanOutputChange: isNumber, certifiedMaxChange: optional(isNumber),
  })),
  size: shape({ paramsBefore: isIndex, paramsAfter: isIndex, changed: isIndex, added: isIndex }),
  layerChanges: arrayOf(shape({ name: isString, meanAbsChange: isNumber, maxAbsChange: isNumber, changed: isIndex, params: isIndex })),
  stats: (v: unknown) => isRecord(v) && Object.values(v).every(isNumber),
  counterexamplesFixed: isIndex,
  caveat: optional(isString),
  timings: arrayOf(shape({ stage: isString, sec: isNumber })),
  log: arrayOf(isString),
});

const isReviewStatus = (v: unknown): v is ReviewStatus => {
  if (!isRecord(v)) return false;
  switch (v.state) {
    case 'pending': case 'rejected': case 'empty': return true;
    case 'accepted': return isString(v.path) && optional(isString)(v.backup);
    case 'failed': return isString(v.message);
    default: return false;
  }
};

export const isView = (v: unknown): v is View => {
  if (!isRecord(v)) return false;
  switch (v.kind) {
    case 'empty': return true;
    case 'responsibility': return isString(v.docUri) && isResponsibility(v.responsibility);
    case 'review': return isString(v.reviewId) && optional(isString)(v.docUri) && isRepairReport(v.report) && isReviewStatus(v.status);
    case 'compare':
      return optional(isString)(v.docUri) && optional(isString)(v.property) && arrayOf(isRepairReport)(v.reports)
        && arrayOf((id): id is string | null => id === null || isString(id))(v.reviewIds) && v.reviewIds.length === v.reports.length;
    default: return false;
  }
};

export const isHostMessage = (v: unknown): v is HostMessage => {
  if (!isRecord(v)) return false;
  switch (v.type) {
    case 'show': return isView(v.view);
    case 'busy': return optional(isString)(v.message);
    default: return false;
  }
};

export const isPanelMessage = (v: unknown): v is PanelMessage => {
  if (!isRecord(v)) return false;
  switch (v.type) {
    case 'ready': return true;
    case 'accept': return isString(v.reviewId) && isBoolean(v.overwrite);
    case 'reject': case 'openReview': return isString(v.reviewId);
    case 'repair': return isString(v.docUri) && isString(v.property);
    case 'fineTune': return isString(v.docUri) && isString(v.property) && arrayOf(shape<NeuronRef>({ layer: isIndex, neuron: isIndex }))(v.neurons) && v.neurons.length > 0;
    case 'rendered':
      return oneOf('empty', 'responsibility', 'review', 'compare')(v.view) && optional(isIndex)(v.layers) && optional(isIndex)(v.cells)
        && optional((t): t is string => isString(t) && t.length <= RENDERED_TEXT_LIMIT)(v.text);
    case 'invalid': return isString(v.detail);
    default: return false;
  }
};

/** Every neuron exists in the responsibility's layers (a fine-tune request names neurons of the map it was drawn from). */
export const neuronsExist = (r: Responsibility, neurons: readonly NeuronRef[]): boolean =>
  neurons.every((n) => n.layer < r.layers.length && n.neuron < r.layers[n.layer].scores.length);

/** The webview's persisted state (getState/setState), read back by the panel serializer after a reload. */
export interface PanelState { readonly view: View; readonly heatmap?: { readonly scale: 'layer' | 'global'; readonly zoom: number; readonly aggregate?: boolean } }

export const isPanelState = (v: unknown): v is PanelState =>
  isRecord(v) && isView(v.view) && optional(shape({ scale: oneOf('layer', 'global'), zoom: isNumber, aggregate: optional(isBoolean) }))(v.heatmap);
