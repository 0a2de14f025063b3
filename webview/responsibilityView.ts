/** The "why does it fail" view: the heatmap, its scale switch and legend, the focused neuron's details, the top-k list. */
import type { Responsibility } from '../src/core/localize/types';
import { Heatmap, describeNeuron, legend, type Scale } from './heatmap';
import { h, seconds } from './dom';
import type { NeuronRef } from './protocol';

export interface ResponsibilityViewOptions {
  readonly scale: Scale;
  readonly zoom: number;
  readonly onSettings: (scale: Scale, zoom: number) => void;
  readonly onFineTune: (neurons: readonly NeuronRef[]) => void;
  readonly onRepair: () => void;
}

export function responsibilityView(r: Responsibility, options: ResponsibilityViewOptions): { element: HTMLElement; redraw(): void; drawn(): { layers: number; cells: number } } {
  const details = h('p', { class: 'details', id: 'neuron-details' });
  const fineTune = h('vscode-button', { disabled: true }, 'Fine-tune these neurons');
  let selected: readonly NeuronRef[] = [];
  const heatmap: Heatmap = new Heatmap(r, {
    scale: options.scale,
    zoom: options.zoom,
    onFocus: (ref) => { details.textContent = describeNeuron(r, ref); },
    onSelectionChange: (neurons) => {
      selected = neurons;
      fineTune.toggleAttribute('disabled', neurons.length === 0);
      fineTune.textContent = neurons.length === 0 ? 'Fine-tune these neurons' : `Fine-tune these ${neurons.length} neurons`;
    },
  });
  heatmap.scroller.setAttribute('aria-describedby', 'neuron-details');
  fineTune.addEventListener('click', () => { if (selected.length > 0) options.onFineTune(selected); });
  // The header names the property; a long name would push the button out of the side column.
  const repair = h('vscode-button', { secondary: true, 'aria-label': `Repair the model for ${r.property}`, title: `Repair the model for ${r.property}` }, 'Repair the model…');
  repair.addEventListener('click', () => options.onRepair());

  const legendSlot = h('div', { class: 'legend-slot' }, legend(options.scale));
  const scaleSwitch = h('vscode-radio-group', { 'aria-label': 'Colour scale' },
    h('vscode-radio', { name: 'scale', value: 'layer', checked: options.scale === 'layer' }, 'per layer'),
    h('vscode-radio', { name: 'scale', value: 'global', checked: options.scale === 'global' }, 'whole network'));
  let scale = options.scale;
  let zoom = options.zoom;
  const settings = () => options.onSettings(scale, zoom);
  scaleSwitch.addEventListener('change', (e) => {
    const value = (e.target as HTMLInputElement).value;
    if (value !== 'layer' && value !== 'global') return;
    scale = value;
    heatmap.setScale(scale);
    legendSlot.replaceChildren(legend(scale));
    settings();
  });
  const zoomBy = (factor: number) => {
    zoom = Math.min(3, Math.max(0.5, zoom * factor));
    heatmap.setZoom(zoom);
    settings();
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
      button.addEventListener('click', () => { heatmap.moveFocus({ layer: t.layer, neuron: t.neuron }); heatmap.scroller.focus(); });
      return h('li', {}, button);
    }));

  const neurons = r.layers.reduce((s, l) => s + l.scores.length, 0);
  const element = h('section', { class: 'view responsibility', 'aria-labelledby': 'view-title' },
    h('header', {},
      h('h1', { id: 'view-title' }, `Why ${r.property} fails: neuron responsibility`),
      h('p', { class: 'muted' }, `${methodLabel(r.method)} · ${r.samples.violating} violating and ${r.samples.safe} safe samples · `
        + `${r.layers.length} hidden layers, ${neurons} neurons · ${seconds(r.timeSec)}`)),
    h('div', { class: 'toolbar' }, scaleSwitch, legendSlot, h('span', { class: 'spacer' }), zoomOut, zoomIn),
    h('div', { class: 'columns' },
      h('div', { class: 'main' }, heatmap.element, details),
      h('aside', {}, h('h2', {}, `Top ${r.top.length}`), topList,
        h('p', { class: 'muted small' }, 'Select cells with Space or Shift+click, then fine-tune only those neurons.'), fineTune,
        h('p', {}, repair))));
  return { element, redraw: () => { heatmap.draw(); legendSlot.replaceChildren(legend(scale)); }, drawn: () => heatmap.drawn };
}

const methodLabel = (m: Responsibility['method']) => ({ birdnn: 'BIRDNN responsibility', 'birdnn-code': 'BIRDNN (reference code) responsibility', gradient: 'gradient attribution' })[m];
