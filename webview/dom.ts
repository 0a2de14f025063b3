/** A small element builder: the panel's markup without a framework and without innerHTML (no injection from data). */
type Child = Node | string | false | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string | boolean | undefined>, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Record<string, string | boolean | undefined>, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  for (const child of children) if (child !== false && child !== undefined) element.append(child);
  return element;
}

export const percent = (v: number | undefined, digits = 1): string => (v === undefined ? '—' : `${(100 * v).toFixed(digits)}%`);
export const seconds = (v: number): string => (v < 10 ? `${v.toFixed(2)} s` : `${v.toFixed(1)} s`);
export const count = (v: number): string => v.toLocaleString('en-US');
export const fileName = (p: string): string => p.split(/[\\/]/).pop() ?? p;
