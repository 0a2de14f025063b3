import { InputError } from '../../core/errors';
import { LOCALIZE_VERIFY_SEC, localize, type Responsibility, type ResponsibilityMethod } from '../../core/localize';
import { loadCheckedModel } from '../../core/onnx/loadModelFile';
import { localizable } from '../../core/localize/model';
import { checkQueryFits } from '../../core/verify';
import { parseArgs, stringFlag } from '../args';
import type { Command } from '../command';
import { loadQueries } from '../loadQueries';

const METHODS: readonly ResponsibilityMethod[] = ['birdnn', 'birdnn-code', 'gradient'];
/** Light to dark: one character per neuron in the text heatmap, by its score relative to the network's largest. */
const SHADES = ' .:-=+*#%@';

export const localizeCommand: Command = {
  name: 'localize',
  usage: 'localize <model> <spec> [--property NAME] [--samples N] [--method birdnn|birdnn-code|gradient] [--top K] [--verify-timeout S] [--json]',
  summary: 'rank the neurons responsible for a property\'s violation (top list and a per-layer heatmap)',
  async run(args) {
    const parsed = parseArgs(args, { values: ['property', 'samples', 'method', 'top', 'verify-timeout'], switches: ['json'], positionals: 2 });
    const [modelPath, specPath] = parsed.positional;
    if (!modelPath || !specPath) throw new InputError(`usage: netmend ${this.usage}`);
    // Without --samples, localize's default: 10,000, or 2,000 for wide inputs.
    const samplesFlag = stringFlag(parsed, 'samples');
    const samples = samplesFlag === undefined ? undefined : Number(samplesFlag);
    if (samples !== undefined && (!Number.isInteger(samples) || samples < 10)) throw new InputError('--samples must be a whole number of at least 10');
    const topK = Number(stringFlag(parsed, 'top') ?? 10);
    if (!Number.isInteger(topK) || topK < 1) throw new InputError('--top must be a whole number of at least 1');
    const method = (stringFlag(parsed, 'method') ?? 'birdnn') as ResponsibilityMethod;
    if (!METHODS.includes(method)) throw new InputError(`--method must be one of ${METHODS.join(', ')}`);
    // When no sample violates, the verifier looks for a counterexample to sample around (0: never), briefly by default:
    // on a property that holds it would otherwise spend its whole time limit proving there is nothing to localise.
    const verifyTimeoutSec = Number(stringFlag(parsed, 'verify-timeout') ?? LOCALIZE_VERIFY_SEC);
    if (!(verifyTimeoutSec >= 0)) throw new InputError('--verify-timeout must be a number of seconds, 0 or more');
    const net = localizable(await loadCheckedModel(modelPath));
    const wanted = stringFlag(parsed, 'property');
    const queries = loadQueries(specPath).filter((q) => !wanted || q.query.name === wanted);
    if (queries.length === 0) throw new InputError(`no property named '${wanted}'`, { file: specPath });
    const results: Responsibility[] = [];
    for (const { query } of queries) {
      checkQueryFits(net, query);
      const r = await localize(net, query, { method, samples, topK, verifyTimeoutSec });
      results.push(r);
      if (!parsed.flags.has('json')) console.log(describe(r));
    }
    if (parsed.flags.has('json')) console.log(JSON.stringify(results, null, 2));
    return 0;
  },
};

function describe(r: Responsibility): string {
  const lines = [`${r.property}: ${r.samples.violating} violating and ${r.samples.safe} safe samples, ${r.method} responsibility (${r.timeSec.toFixed(2)} s)`];
  if (r.samples.violating === 0) return `${lines[0]}\n  ${noViolation(r)}`;
  lines.push('  top neurons (layer:neuron score, active on violating / safe samples):');
  for (const t of r.top) {
    const l = r.layers[t.layer];
    lines.push(`    ${l.name}:${t.neuron}  ${t.score.toFixed(3)}  ${pct(l.activeViolating[t.neuron])} / ${pct(l.activeSafe[t.neuron])}`);
  }
  lines.push(`  heatmap (one character per neuron, '${SHADES.slice(1)}' light to dark by score):`);
  const width = Math.max(...r.layers.map((l) => l.name.length));
  for (const l of r.layers) {
    const reads = l.sources ? `  <- ${l.sources.join(' + ')}` : '';
    lines.push(`    ${l.name.padEnd(width)} |${l.global.map((g) => SHADES[Math.min(SHADES.length - 1, Math.round(g * (SHADES.length - 1)))]).join('')}|${reads}`);
  }
  return lines.join('\n');
}

/** Why nothing is ranked: what the verifier said, when it was asked. */
function noViolation(r: Responsibility): string {
  const none = `no violating sample in ${r.samples.safe} samples`;
  if (!r.search) return `${none}, and the verifier was not asked (--verify-timeout 0): nothing to rank`;
  if (r.search.verdict === 'holds') return `${none}: the verifier proved that ${r.property} holds (${r.search.timeSec.toFixed(1)} s), nothing to localise`;
  if (r.search.verdict === 'violated') return `${none}: the verifier's counterexample violates only at rounding level here, nothing to rank`;
  return `${none}, and the verifier found no counterexample in ${r.search.limitSec} s: nothing to rank (netmend verify searches longer; --verify-timeout S gives localize more time)`;
}

const pct = (f: number) => `${(100 * f).toFixed(0)}%`;
