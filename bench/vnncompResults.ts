/** Reading VNN-COMP instance lists, ground truth and the other tools' result CSVs from ../shared/data. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface Instance { readonly onnx: string; readonly vnnlib: string; readonly expected: 'holds' | 'violated' | 'unknown' }

/** Instances with their expected answer; the CSV's last line may lack a newline (PROVENANCE.md). */
export function readInstances(dir: string, instancesCsv: string): Instance[] {
  const truth = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'ground_truth_vnncomp2021.csv'), 'utf8').split(/\r?\n/).slice(1)) {
    const [onnx, vnnlib, expected] = line.split(',');
    if (onnx) truth.set(`${basename(onnx)}|${basename(vnnlib)}`, expected);
  }
  return readFileSync(join(dir, instancesCsv), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '').map((line) => {
    const [onnx, vnnlib] = line.split(',').map((s) => basename(s.trim()));
    const expected = truth.get(`${onnx}|${vnnlib}`) ?? 'unknown';
    return { onnx, vnnlib, expected: expected as Instance['expected'] };
  });
}

export interface ToolRun { readonly solved: boolean; readonly seconds: number }

/** Per tool: solved flag and run time (minus the tool's start-up overhead, estimated as its fastest run). */
export function readToolResults(dir: string): Map<string, ToolRun[]> {
  const tools = new Map<string, ToolRun[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.csv'))) {
    const rows = readFileSync(join(dir, file), 'utf8').split(/\r?\n/).filter((l) => l.includes(','))
      .map((l) => l.split(','))
      .map(([, , , , result, runS]) => ({ result: result.trim().toLowerCase(), seconds: Number(runS) }));
    const overhead = Math.min(...rows.map((r) => r.seconds));
    tools.set(file.replace(/\.csv$/, ''), rows.map((r) => ({
      solved: ['holds', 'violated', 'sat', 'unsat'].includes(r.result),
      seconds: Math.max(0, r.seconds - overhead),
    })));
  }
  return tools;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A cactus plot (instances solved vs cumulative time, log scale) as SVG. */
export function cactusSvg(title: string, series: { name: string; times: number[]; highlight?: boolean }[], note: string): string {
  const W = 760, H = 440, left = 64, right = 180, top = 40, bottom = 64;
  const maxN = Math.max(1, ...series.map((s) => s.times.length));
  const minT = 0.01;
  const maxT = Math.pow(10, Math.ceil(Math.log10(Math.max(1, ...series.map((s) => s.times.reduce((a, b) => a + b, 0))))));
  const x = (n: number) => left + (n / maxN) * (W - left - right);
  const y = (t: number) => top + (1 - Math.log10(Math.max(minT, t) / minT) / Math.log10(maxT / minT)) * (H - top - bottom);
  const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#aec7e8', '#98df8a', '#c5b0d5'];
  const lines = series.map((s, k) => {
    const sorted = [...s.times].sort((a, b) => a - b);
    let acc = 0;
    const points = sorted.map((t, i) => { acc += t; return `${x(i + 1).toFixed(1)},${y(acc).toFixed(1)}`; });
    const colour = s.highlight ? '#d62728' : colours[k % colours.length];
    const legendY = top + 16 * k;
    return `<polyline clip-path="url(#plot)" fill="none" stroke="${colour}" stroke-width="${s.highlight ? 3 : 1.5}" points="${points.join(' ')}"/>` +
      `<text x="${W - right + 10}" y="${legendY + 4}" font-size="12" fill="${colour}"${s.highlight ? ' font-weight="bold"' : ''}>${s.name} (${s.times.length})</text>`;
  });
  const yTicks = [];
  for (let t = minT; t <= maxT * 1.0001; t *= 10) yTicks.push(`<line x1="${left}" x2="${W - right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/><text x="${left - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${Number(t.toPrecision(1))}</text>`);
  const step = maxN > 100 ? 50 : maxN > 20 ? 10 : 5;
  const xTicks = [];
  for (let n = 0; n <= maxN; n += step) xTicks.push(`<line x1="${x(n)}" x2="${x(n)}" y1="${H - bottom}" y2="${H - bottom + 4}" stroke="black"/><text x="${x(n)}" y="${H - bottom + 16}" font-size="11" text-anchor="middle">${n}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<defs><clipPath id="plot"><rect x="${left}" y="${top}" width="${W - left - right}" height="${H - top - bottom}"/></clipPath></defs>
<text x="${(left + W - right) / 2}" y="22" font-size="15" text-anchor="middle">${title}</text>
${yTicks.join('\n')}
${xTicks.join('\n')}
<line x1="${left}" x2="${left}" y1="${top}" y2="${H - bottom}" stroke="black"/><line x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}" stroke="black"/>
<text x="${(left + W - right) / 2}" y="${H - bottom + 34}" font-size="12" text-anchor="middle">instances solved</text>
<text x="${(left + W - right) / 2}" y="${H - 8}" font-size="10" fill="#555" text-anchor="middle">${note}</text>
<text x="16" y="${(top + H - bottom) / 2}" font-size="12" transform="rotate(-90 16 ${(top + H - bottom) / 2})" text-anchor="middle">cumulative time (s, log)</text>
${lines.join('\n')}
</svg>\n`;
}
