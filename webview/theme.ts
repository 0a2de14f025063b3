/**
 * Colours for what the panel draws itself (canvas, swatches), read from VS Code's theme variables so the panel fits any
 * theme. High-contrast themes get pure endpoints and cell borders: a faint tint is invisible there.
 */

export interface Palette {
  readonly background: [number, number, number];
  readonly hot: [number, number, number];
  readonly warm: [number, number, number];
  readonly foreground: string;
  readonly focus: string;
  readonly selection: string;
  /** A border around every cell (high contrast only). */
  readonly cellBorder?: string;
}

/** `#rgb`, `#rrggbb(aa)` or `rgb(a)(...)` to RGB; undefined for anything else (e.g. an unset variable). */
export function parseColor(text: string): [number, number, number] | undefined {
  const value = text.trim();
  const hex = /^#([0-9a-f]{3,8})$/i.exec(value)?.[1];
  if (hex) {
    const full = hex.length <= 4 ? [...hex].map((c) => c + c).join('') : hex;
    return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(value);
  return rgb ? [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])] : undefined;
}

export const isHighContrast = (): boolean =>
  document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const variable = (name: string) => style.getPropertyValue(name).trim();
  const color = (name: string, fallback: [number, number, number]) => parseColor(variable(name)) ?? fallback;
  const dark = isDarkBackground(color('--vscode-editor-background', [255, 255, 255]));
  if (isHighContrast()) {
    return {
      background: dark ? [0, 0, 0] : [255, 255, 255],
      warm: dark ? [255, 255, 0] : [15, 74, 133],
      hot: dark ? [255, 80, 80] : [181, 0, 0],
      foreground: variable('--vscode-editor-foreground') || (dark ? '#ffffff' : '#000000'),
      focus: variable('--vscode-contrastActiveBorder') || (dark ? '#f38518' : '#0f4a85'),
      selection: variable('--vscode-contrastActiveBorder') || (dark ? '#f38518' : '#0f4a85'),
      cellBorder: variable('--vscode-contrastBorder') || (dark ? '#6fc3df' : '#0f4a85'),
    };
  }
  // The low end is the page's background tinted a little towards the text colour, so empty cells still show the grid.
  const page = color('--vscode-editor-background', dark ? [30, 30, 30] : [255, 255, 255]);
  const text = color('--vscode-foreground', dark ? [204, 204, 204] : [59, 59, 59]);
  return {
    background: page.map((v, i) => Math.round(v + (text[i] - v) * 0.1)) as [number, number, number],
    warm: color('--vscode-charts-yellow', dark ? [204, 167, 0] : [191, 136, 3]),
    hot: color('--vscode-charts-red', dark ? [241, 76, 76] : [229, 20, 0]),
    foreground: variable('--vscode-foreground') || (dark ? '#cccccc' : '#3b3b3b'),
    focus: variable('--vscode-focusBorder') || '#007fd4',
    selection: variable('--vscode-charts-blue') || '#3794ff',
  };
}

const isDarkBackground = ([r, g, b]: [number, number, number]) => 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;

/** The colour of a value in [0, 1]: background, then warm at the middle, then hot. */
export function ramp(p: Palette, value: number): string {
  const v = Math.min(1, Math.max(0, value));
  const [from, to, t] = v < 0.5 ? [p.background, p.warm, v * 2] : [p.warm, p.hot, (v - 0.5) * 2];
  const mix = (i: number) => Math.round(from[i] + (to[i] - from[i]) * t);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}
