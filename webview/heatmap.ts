/**
 * The responsibility heatmap: one block per layer, one cell per neuron, drawn on one canvas (10,000 cells are 10,000
 * fillRects, a few milliseconds). Wide layers wrap onto several rows so 256 neurons stay readable; zoom changes the
 * cell size. The canvas is one keyboard stop: arrow keys move a focus cell, Home/End and PageUp/PageDown jump, Space
 * selects; the focused cell's description goes to a live region and the details pane, so screen readers hear it.
 */
import type { Responsibility } from '../src/core/localize/types';
import type { NeuronRef } from './protocol';
import { ramp, readPalette, type Palette } from './theme';

export type Scale = 'layer' | 'global';

const LABEL_WIDTH = 120;
const GAP = 1;
const LAYER_GAP = 10;
const BASE_CELL = 12;
/** A layer's block is at least as tall as its label: two lines, three for a graph node (what it reads). */
const LABEL_HEIGHT = 30;
const GRAPH_LABEL_HEIGHT = 44;
/** Never fewer cells per row than this: a narrow panel scrolls rather than turning a layer into a tall column. */
const MIN_COLUMNS = 16;
/** Colour levels of the scale: finer than the eye tells apart on a cell; the details give the exact score. */
const LEVELS = 64;

export interface LayerBlock { readonly layer: number; readonly top: number; readonly rows: number }

export interface Layout {
  readonly cell: number;
  readonly columns: number;
  readonly width: number;
  readonly height: number;
  readonly blocks: readonly LayerBlock[];
}

/** Where every layer's block goes for a canvas `width` pixels wide and cells of `cell` pixels. */
export function layoutHeatmap(sizes: readonly number[], width: number, cell: number, labelHeight = LABEL_HEIGHT): Layout {
  const columns = Math.max(MIN_COLUMNS, Math.min(Math.max(...sizes, 1), Math.floor((width - LABEL_WIDTH) / (cell + GAP))));
  let top = 0;
  const blocks = sizes.map((n, layer) => {
    const rows = Math.max(1, Math.ceil(n / columns));
    const block = { layer, top, rows };
    top += Math.max(rows * (cell + GAP), labelHeight) + LAYER_GAP;
    return block;
  });
  return { cell, columns, width: LABEL_WIDTH + columns * (cell + GAP), height: Math.max(0, top - LAYER_GAP), blocks };
}

export function cellOrigin(layout: Layout, ref: NeuronRef): { x: number; y: number } {
  const block = layout.blocks[ref.layer];
  const step = layout.cell + GAP;
  return { x: LABEL_WIDTH + (ref.neuron % layout.columns) * step, y: block.top + Math.floor(ref.neuron / layout.columns) * step };
}

export function cellAt(layout: Layout, sizes: readonly number[], x: number, y: number): NeuronRef | undefined {
  const step = layout.cell + GAP;
  if (x < LABEL_WIDTH) return undefined;
  const column = Math.floor((x - LABEL_WIDTH) / step);
  if (column >= layout.columns || (x - LABEL_WIDTH) % step >= layout.cell) return undefined;
  for (const block of layout.blocks) {
    if (y < block.top || y >= block.top + block.rows * step) continue;
    const neuron = Math.floor((y - block.top) / step) * layout.columns + column;
    return neuron < sizes[block.layer] ? { layer: block.layer, neuron } : undefined;
  }
  return undefined;
}

const percent = (v: number) => `${Math.round(100 * v)}%`;
const num = (v: number) => (Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : v.toPrecision(3));

/** Where a layer sits: "layer 2 of 3", or for a graph's node "node 2 of 3, reads relu_1 + relu_3". */
export const layerPlace = (r: Responsibility, layer: number): string => {
  const sources = r.layers[layer].sources;
  return sources ? `node ${layer + 1} of ${r.layers.length}, reads ${sources.join(' + ')}` : `layer ${layer + 1} of ${r.layers.length}`;
};

/** What a neuron's cell says, in words (tooltip, details pane and screen readers). */
export function describeNeuron(r: Responsibility, ref: NeuronRef): string {
  const l = r.layers[ref.layer];
  const i = ref.neuron;
  const rank = r.top.findIndex((t) => t.layer === ref.layer && t.neuron === i);
  return `${l.name} (${layerPlace(r, ref.layer)}), neuron ${i}: score ${num(l.scores[i])}`
    + ` (${percent(l.perLayer[i])} of the layer's largest, ${percent(l.global[i])} of the network's)${rank >= 0 ? `, top ${rank + 1}` : ''}.`
    + ` Active on ${percent(l.activeViolating[i])} of violating and ${percent(l.activeSafe[i])} of safe samples;`
    + ` mean activation ${num(l.meanViolating[i])} vs ${num(l.meanSafe[i])}.`;
}

export interface HeatmapOptions {
  scale: Scale;
  zoom: number;
  /** A cell in words (default: describeNeuron); the aggregate mode describes a group. */
  readonly describe?: (ref: NeuronRef) => string;
  /** The line under a layer's name (default: its neuron count). */
  readonly sublabel?: (layer: number) => string;
  /** Cells are groups of neurons (the aggregate mode): nothing to select. */
  readonly grouped?: boolean;
  /** False: nothing to select for (a graph model, which BIRDNN cannot fine-tune). */
  readonly selectable?: boolean;
  readonly onFocus: (ref: NeuronRef) => void;
  readonly onSelectionChange: (selected: readonly NeuronRef[]) => void;
}

export class Heatmap {
  /** The frame (place it in the page) and, inside it, the scrolling keyboard target (focus it). */
  readonly element: HTMLDivElement;
  readonly scroller: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tooltip: HTMLDivElement;
  private readonly live: HTMLDivElement;
  private readonly sizes: number[];
  private layout!: Layout;
  private palette!: Palette;
  private colors: string[] = [];
  /** What the last draw painted: layer blocks and cells. */
  drawn = { layers: 0, cells: 0 };
  private focus: NeuronRef;
  private readonly selected = new Set<string>();

  private readonly describe: (ref: NeuronRef) => string;

  constructor(private readonly r: Responsibility, private readonly options: HeatmapOptions) {
    this.sizes = r.layers.map((l) => l.scores.length);
    this.describe = options.describe ?? ((ref) => describeNeuron(r, ref));
    this.focus = r.top[0] ? { layer: r.top[0].layer, neuron: r.top[0].neuron } : { layer: 0, neuron: 0 };
    this.element = document.createElement('div');
    this.element.className = 'heatmap-frame';
    this.scroller = document.createElement('div');
    this.scroller.className = 'heatmap';
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute('role', 'application');
    this.scroller.setAttribute('aria-roledescription', 'neuron heatmap');
    this.scroller.setAttribute('aria-label', `Responsibility of ${this.sizes.reduce((a, b) => a + b, 0)} ${options.grouped ? 'cells (groups of neurons)' : 'neurons'} in ${r.layers.length} layers for ${r.property}. `
      + 'Arrow keys move between neurons, Page Up and Page Down between layers, Space selects, plus and minus zoom.');
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('aria-hidden', 'true');
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'heatmap-tooltip';
    this.tooltip.hidden = true;
    this.live = document.createElement('div');
    this.live.className = 'visually-hidden';
    this.live.setAttribute('aria-live', 'polite');
    // The tooltip sits outside the scrolling box so that it is never clipped by it.
    this.scroller.append(this.canvas, this.live);
    this.element.append(this.scroller, this.tooltip);
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.scroller.addEventListener('focus', () => this.announce());
    this.canvas.addEventListener('mousemove', (e) => this.onHover(e));
    this.canvas.addEventListener('mouseleave', () => { this.tooltip.hidden = true; });
    this.canvas.addEventListener('click', (e) => {
      const ref = this.hit(e);
      if (!ref) return;
      this.moveFocus(ref);
      if (e.shiftKey || e.ctrlKey || e.metaKey) this.toggle(ref);
    });
  }

  /** Lays out for the current width and draws everything; call on resize, theme change, scale or zoom change. */
  draw(): void {
    const width = Math.max(this.scroller.clientWidth - 8, LABEL_WIDTH + MIN_COLUMNS * (BASE_CELL + GAP));
    const labelHeight = this.r.layers.some((l) => l.sources) ? GRAPH_LABEL_HEIGHT : LABEL_HEIGHT;
    this.layout = layoutHeatmap(this.sizes, width, Math.round(BASE_CELL * this.options.zoom), labelHeight);
    this.palette = readPalette();
    this.colors = Array.from({ length: LEVELS }, (_, k) => ramp(this.palette, k / (LEVELS - 1)));
    const ratio = window.devicePixelRatio || 1;
    const [pixelWidth, pixelHeight] = [Math.ceil(this.layout.width * ratio), Math.ceil(this.layout.height * ratio)];
    // A new size allocates a new backing store, the slow part of a draw: keep it when the size is the same.
    if (this.canvas.width !== pixelWidth || this.canvas.height !== pixelHeight) {
      this.canvas.width = pixelWidth;
      this.canvas.height = pixelHeight;
      this.canvas.style.width = `${this.layout.width}px`;
      this.canvas.style.height = `${this.layout.height}px`;
    }
    const ctx = this.context();
    ctx.clearRect(0, 0, this.layout.width, this.layout.height);
    ctx.font = `12px ${getComputedStyle(document.body).fontFamily}`;
    ctx.textBaseline = 'top';
    // Cells grouped by colour level: one fillStyle per level instead of one per cell (10,000 cells in a few ms).
    const byLevel: NeuronRef[][] = this.colors.map(() => []);
    for (const block of this.layout.blocks) {
      const l = this.r.layers[block.layer];
      ctx.fillStyle = this.palette.foreground;
      ctx.fillText(truncate(ctx, l.name, LABEL_WIDTH - 8), 0, block.top);
      ctx.globalAlpha = 0.7;
      ctx.fillText(truncate(ctx, this.options.sublabel?.(block.layer) ?? `${l.scores.length} neurons`, LABEL_WIDTH - 8), 0, block.top + 14);
      if (l.sources) ctx.fillText(truncate(ctx, `← ${l.sources.join(' + ')}`, LABEL_WIDTH - 8), 0, block.top + 28);
      ctx.globalAlpha = 1;
      for (let i = 0; i < l.scores.length; i++) byLevel[this.level({ layer: block.layer, neuron: i })].push({ layer: block.layer, neuron: i });
    }
    const size = this.layout.cell;
    this.drawn = { layers: this.layout.blocks.length, cells: 0 };
    byLevel.forEach((cells, level) => {
      this.drawn.cells += cells.length;
      ctx.fillStyle = this.colors[level];
      for (const ref of cells) {
        const { x, y } = cellOrigin(this.layout, ref);
        ctx.fillRect(x, y, size, size);
      }
    });
    if (this.palette.cellBorder) {
      ctx.strokeStyle = this.palette.cellBorder;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const cells of byLevel) for (const ref of cells) {
        const { x, y } = cellOrigin(this.layout, ref);
        ctx.rect(x + 0.5, y + 0.5, size - 1, size - 1);
      }
      ctx.stroke();
    }
    for (const ref of this.selection()) this.paintCell(ref);
    this.paintCell(this.focus);
  }

  setScale(scale: Scale): void {
    this.options.scale = scale;
    this.draw();
  }

  setZoom(zoom: number): void {
    this.options.zoom = Math.min(3, Math.max(0.5, zoom));
    this.draw();
  }

  /** Moves the focus to a neuron (e.g. from the top-k list) and scrolls it into view. */
  moveFocus(ref: NeuronRef): void {
    const old = this.focus;
    this.focus = ref;
    this.paintCell(old);
    this.paintCell(ref);
    const { x, y } = cellOrigin(this.layout, ref);
    const scroller = this.scroller;
    if (y < scroller.scrollTop || y + this.layout.cell > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = y - scroller.clientHeight / 2;
    if (x < scroller.scrollLeft || x + this.layout.cell > scroller.scrollLeft + scroller.clientWidth) scroller.scrollLeft = x - scroller.clientWidth / 2;
    this.announce();
  }

  selection(): NeuronRef[] {
    return [...this.selected].map((key) => {
      const [layer, neuron] = key.split(':').map(Number);
      return { layer, neuron };
    });
  }

  private context(): CanvasRenderingContext2D {
    const ctx = this.canvas.getContext('2d')!;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return ctx;
  }

  private level(ref: NeuronRef): number {
    const l = this.r.layers[ref.layer];
    return Math.round((this.options.scale === 'layer' ? l.perLayer : l.global)[ref.neuron] * (LEVELS - 1));
  }

  /**
   * Paints one cell again with its marks: the focus is a ring over the cell's edge and the 1-pixel gap around it,
   * a selection an inner ring. Only that area is touched, so moving the focus repaints two cells, not the map.
   */
  private paintCell(ref: NeuronRef): void {
    const ctx = this.context();
    const { x, y } = cellOrigin(this.layout, ref);
    const size = this.layout.cell;
    ctx.clearRect(x - GAP, y - GAP, size + 2 * GAP, size + 2 * GAP);
    ctx.fillStyle = this.colors[this.level(ref)];
    ctx.fillRect(x, y, size, size);
    if (this.palette.cellBorder) {
      ctx.strokeStyle = this.palette.cellBorder;
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, size - 1, size - 1);
    }
    ctx.lineWidth = 2;
    if (this.selected.has(`${ref.layer}:${ref.neuron}`)) {
      ctx.strokeStyle = this.palette.selection;
      ctx.strokeRect(x + 2, y + 2, size - 4, size - 4);
    }
    if (ref.layer === this.focus.layer && ref.neuron === this.focus.neuron) {
      ctx.strokeStyle = this.palette.focus;
      ctx.strokeRect(x, y, size, size);
    }
  }

  private hit(e: MouseEvent): NeuronRef | undefined {
    const rect = this.canvas.getBoundingClientRect();
    return cellAt(this.layout, this.sizes, e.clientX - rect.left, e.clientY - rect.top);
  }

  private onHover(e: MouseEvent): void {
    const ref = this.hit(e);
    if (!ref) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.textContent = this.describe(ref);
    this.tooltip.hidden = false;
    const { x, y } = cellOrigin(this.layout, ref);
    const frame = this.element.getBoundingClientRect();
    const canvas = this.canvas.getBoundingClientRect();
    const left = canvas.left - frame.left + x + this.layout.cell + 8;
    this.tooltip.style.left = `${Math.max(0, Math.min(left, frame.width - this.tooltip.offsetWidth))}px`;
    this.tooltip.style.top = `${canvas.top - frame.top + y + this.layout.cell + 6}px`;
  }

  private onKey(e: KeyboardEvent): void {
    const { layer, neuron } = this.focus;
    const n = this.sizes[layer];
    const columns = this.layout.columns;
    const last = this.sizes.length - 1;
    const to = (l: number, i: number) => ({ layer: l, neuron: Math.max(0, Math.min(this.sizes[l] - 1, i)) });
    let next: NeuronRef | undefined;
    switch (e.key) {
      case 'ArrowRight': next = neuron + 1 < n ? to(layer, neuron + 1) : layer < last ? to(layer + 1, 0) : undefined; break;
      case 'ArrowLeft': next = neuron > 0 ? to(layer, neuron - 1) : layer > 0 ? to(layer - 1, this.sizes[layer - 1] - 1) : undefined; break;
      // Down from a layer's last row enters the next layer's first row in the same column, and back up.
      case 'ArrowDown': next = neuron + columns < n ? to(layer, neuron + columns) : layer < last ? to(layer + 1, neuron % columns) : undefined; break;
      case 'ArrowUp': next = neuron >= columns ? to(layer, neuron - columns) : layer > 0 ? to(layer - 1, (Math.ceil(this.sizes[layer - 1] / columns) - 1) * columns + neuron) : undefined; break;
      case 'Home': next = to(layer, 0); break;
      case 'End': next = to(layer, n - 1); break;
      case 'PageDown': next = layer < last ? to(layer + 1, neuron) : undefined; break;
      case 'PageUp': next = layer > 0 ? to(layer - 1, neuron) : undefined; break;
      case ' ': case 'Enter': this.toggle(this.focus); break;
      case '+': case '=': this.setZoom(this.options.zoom * 1.25); break;
      case '-': this.setZoom(this.options.zoom / 1.25); break;
      default: return;
    }
    e.preventDefault();
    if (next) this.moveFocus(next);
  }

  private toggle(ref: NeuronRef): void {
    if (this.options.grouped || this.options.selectable === false) {
      this.live.textContent = this.options.grouped ? 'Cells are groups of neurons here: show one cell per neuron to select neurons.' : 'Neurons of a graph model cannot be selected for fine-tuning.';
      return;
    }
    const key = `${ref.layer}:${ref.neuron}`;
    if (!this.selected.delete(key)) this.selected.add(key);
    this.paintCell(ref);
    this.live.textContent = `${this.selected.has(key) ? 'Selected' : 'Deselected'}; ${this.selected.size} selected.`;
    this.options.onSelectionChange(this.selection());
  }

  private announce(): void {
    this.live.textContent = this.describe(this.focus);
    this.options.onFocus(this.focus);
  }
}

function truncate(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A gradient legend for the current scale: from no responsibility to the largest of the layer or the network. */
export function legend(scale: Scale): HTMLElement {
  const palette = readPalette();
  const box = document.createElement('div');
  box.className = 'legend';
  const bar = document.createElement('canvas');
  bar.width = 160;
  bar.height = 10;
  bar.setAttribute('aria-hidden', 'true');
  const ctx = bar.getContext('2d')!;
  for (let x = 0; x < bar.width; x++) {
    ctx.fillStyle = ramp(palette, x / (bar.width - 1));
    ctx.fillRect(x, 0, 1, bar.height);
  }
  const low = document.createElement('span');
  low.textContent = '0';
  const high = document.createElement('span');
  high.textContent = scale === 'layer' ? "layer's largest" : "network's largest";
  box.setAttribute('aria-label', `Colour scale from no responsibility to the ${high.textContent} score`);
  box.setAttribute('role', 'img');
  box.append(low, bar, high);
  return box;
}
