/**
 * The "why does it fail" view: the heatmap, its scale switch, legend and (for layers wider than 64 neurons) the
 * aggregate switch, the focused neuron's details, the top-k list.
 */
import type { Responsibility } from '../src/core/localize/types';
import { aggregate, cellOf, GROUP, groupNeurons, hasWideLayers } from './aggregate';
import { Heatmap, describeNeuron, layerPlace, legend, type HeatmapOptions, type Scale } from './heatmap';
import { count, h, seconds } from './dom';
import type { NeuronRef } from './protocol';

export interface HeatmapSettings { readonly scale: Scale; readonly zoom: number; readonly aggregate: boolean }

export interface ResponsibilityViewOptions extends HeatmapSettings {
  readonly onSettings: (settings: HeatmapSettings) => void;
  readonly onFineTune: (neurons: readonly NeuronRef[]) => void;
  readonly onRepair: () => void;
}

export function responsibilityView(r: Responsibility, options: ResponsibilityViewOptions): { element: HTMLElement; redraw(): void; drawn(): { layers: number; cells: number } } {
  const details = h('p', { class: 'details', id: 'neuron-details' });
  // BIRDNN fine-tuning changes a sequential network's neurons; a graph model's cannot be fine-tuned that way yet.
  const graph = r.layers.some((l) => l.sources);
  const fineTune = h('vscode-button', { disabled: true }, 'Fine-tune these neurons');
  let selected: readonly NeuronRef[] = [];
  const wide = hasWideLayers(r);
  const grouped = aggregate(r);
  let settings: HeatmapSettings = { scale: options.scale, zoom: options.zoom, aggregate: wide && options.aggregate };

  const common = (): Pick<HeatmapOptions, 'scale' | 'zoom' | 'onSelectionChange'> => ({
    scale: settings.scale,
    zoom: settings.zoom,
    onSelectionChange: (neurons) => {
      selected = neurons;
      fineTune.toggleAttribute('disabled', neurons.length === 0);
      fineTune.textContent = neurons.length === 0 ? 'Fine-tune these neurons' : neurons.length === 1 ? 'Fine-tune this neuron' : `Fine-tune these ${neurons.length} neurons`;
    },
  });
  const describeGroup = (cell: NeuronRef): string => {
    const { first, last, best } = groupNeurons(grouped, r, cell);
    if (first === last) return describeNeuron(r, { layer: cell.layer, neuron: first });
    const l = r.layers[cell.layer];
    const rank = r.top.findIndex((t) => t.layer === cell.layer && t.neuron === best);
    return `${l.name} (${layerPlace(r, cell.layer)}), neurons ${first}–${last}: the largest score is neuron ${best}'s, ${l.scores[best].toPrecision(3)}`
      + ` (${Math.round(100 * l.perLayer[best])}% of the layer's largest, ${Math.round(100 * l.global[best])}% of the network's)${rank >= 0 ? `, top ${rank + 1}` : ''}.`
      + ` Show one cell per neuron to select neurons.`;
  };
  const makeHeatmap = (): Heatmap => (settings.aggregate
    ? new Heatmap(grouped.responsibility, {
      ...common(), onFocus: (ref) => { details.textContent = describeGroup(ref); }, describe: describeGroup, grouped: true,
      sublabel: (layer) => (grouped.groupSize[layer] > 1 ? `${r.layers[layer].scores.length} in groups of ${grouped.groupSize[layer]}` : `${r.layers[layer].scores.length} neurons`),
    })
    : new Heatmap(r, { ...common(), onFocus: (ref) => { details.textContent = describeNeuron(r, ref); }, selectable: !graph }));
  let heatmap = makeHeatmap();
  heatmap.scroller.setAttribute('aria-describedby', 'neuron-details');
  const mapSlot = h('div', {}, heatmap.element);
  fineTune.addEventListener('click', () => { if (selected.length > 0) options.onFineTune(selected); });
  // The header names the property; a long name would push the button out of the side column.
  const repair = h('vscode-button', { secondary: true, 'aria-label': `Repair the model for ${r.property}`, title: `Repair the model for ${r.property}` }, 'Repair the model…');
  repair.addEventListener('click', () => options.onRepair());

  const legendSlot = h('div', { class: 'legend-slot' }, legend(settings.scale));
  const scaleSwitch = h('vscode-radio-group', { 'aria-label': 'Colour scale' },
    h('vscode-radio', { name: 'scale', value: 'layer', checked: settings.scale === 'layer' }, 'per layer'),
    h('vscode-radio', { name: 'scale', value: 'global', checked: settings.scale === 'global' }, 'whole network'));
  const save = (next: Partial<HeatmapSettings>) => {
    settings = { ...settings, ...next };
    options.onSettings(settings);
  };
  scaleSwitch.addEventListener('change', (e) => {
    const value = (e.target as HTMLInputElement).value;
    if (value !== 'layer' && value !== 'global') return;
    save({ scale: value });
    heatmap.setScale(value);
    legendSlot.replaceChildren(legend(value));
  });
  // Aggregate mode: a new heatmap on the grouped map, the focus kept on the same neuron's cell.
  const cellsSwitch = wide && h('vscode-radio-group', { 'aria-label': 'Cells' },
    h('vscode-radio', { name: 'cells', value: 'neurons', checked: !settings.aggregate }, 'one cell per neuron'),
    h('vscode-radio', { name: 'cells', value: 'groups', checked: settings.aggregate }, `groups of ${GROUP}`));
  if (cellsSwitch) {
    cellsSwitch.addEventListener('change', (e) => {
      const value = (e.target as HTMLInputElement).value;
      if ((value === 'groups') === settings.aggregate || (value !== 'groups' && value !== 'neurons')) return;
      save({ aggregate: value === 'groups' });
      heatmap = makeHeatmap();
      heatmap.scroller.setAttribute('aria-describedby', 'neuron-details');
      mapSlot.replaceChildren(heatmap.element);
      heatmap.draw();
      selected = [];
      fineTune.toggleAttribute('disabled', true);
      fineTune.textContent = 'Fine-tune these neurons';
    });
  }
  const zoomBy = (factor: number) => {
    save({ zoom: Math.min(3, Math.max(0.5, settings.zoom * factor)) });
    heatmap.setZoom(settings.zoom);
  };
  const zoomOut = h('vscode-button', { secondary: true, 'aria-label': 'Zoom out' }, '−');
  const zoomIn = h('vscode-button', { secondary: true, 'aria-label': 'Zoom in' }, '+');
  zoomOut.addEventListener('click', () => zoomBy(1 / 1.25));
  zoomIn.addEventListener('click', () => zoomBy(1.25));

  const topList = h('ol', { class: 'top-list', 'aria-label': `The ${r.top.length} most responsible neurons` },
    ...r.top.map((t) => {
      const layer = r.layers[t.layer];
      const button = h('button', { class: 'link', 'aria-label': `Show ${layer.name} neuron ${t.neuron}, score ${t.score.toPrecision(3)}` },
        h('span', { class: 'mono' }, `${layer.name} #${t.neuron}`), h('span', { class: 'muted' }, t.score.toPrecision(3)));
      button.addEventListener('click', () => {
        heatmap.moveFocus(settings.aggregate ? cellOf(grouped, t) : { layer: t.layer, neuron: t.neuron });
        heatmap.scroller.focus();
      });
      return h('li', {}, button);
    }));

  const neurons = r.layers.reduce((s, l) => s + l.scores.length, 0);
  const element = h('section', { class: 'view responsibility', 'aria-labelledby': 'view-title' },
    h('header', {},
      h('h1', { id: 'view-title' }, `Why ${r.property} fails: neuron responsibility`),
      h('p', { class: 'muted' }, `${methodLabel(r.method)} · ${count(r.samples.violating)} violating and ${count(r.samples.safe)} safe samples · `
        + `${r.layers.length} hidden ${graph ? 'nodes' : 'layers'}, ${neurons} neurons · ${seconds(r.timeSec)}`)),
    r.samples.violating === 0 && h('p', { class: 'caveat' }, noViolation(r)),
    h('div', { class: 'toolbar' }, scaleSwitch, legendSlot, cellsSwitch || undefined, h('span', { class: 'spacer' }), zoomOut, zoomIn),
    h('div', { class: 'columns' },
      h('div', { class: 'main' }, mapSlot, details),
      h('aside', {}, h('h2', {}, `Top ${r.top.length}`), topList,
        graph
          ? h('p', { class: 'muted small' }, 'Fine-tuning selected neurons (BIRDNN) works on sequential networks; this model is a graph.')
          : h('p', { class: 'muted small' }, 'Select cells with Space or Shift+click, then fine-tune only those neurons.'),
        graph ? undefined : fineTune,
        h('p', {}, repair))));
  return { element, redraw: () => { heatmap.draw(); legendSlot.replaceChildren(legend(settings.scale)); }, drawn: () => heatmap.drawn };
}

/** Why the map is blank: what the verifier said, when it was asked. */
function noViolation(r: Responsibility): string {
  const none = `No violating sample in ${count(r.samples.safe)} samples`;
  if (r.search?.verdict === 'holds') return `${none}: the verifier proved that ${r.property} holds (${seconds(r.search.timeSec)}). Nothing to localise.`;
  if (r.search?.verdict === 'violated') return `${none}: the verifier's counterexample violates only at rounding level here. Nothing is ranked.`;
  if (r.search) return `${none}, and the verifier found no counterexample in ${seconds(r.search.limitSec)}: every score is 0, nothing is ranked. Verify the property: a counterexample it finds seeds this view.`;
  return `${none}: every score is 0, nothing is ranked.`;
}

const methodLabel = (m: Responsibility['method']) => ({ birdnn: 'BIRDNN responsibility', 'birdnn-code': 'BIRDNN (reference code) responsibility', gradient: 'gradient attribution' })[m];
