/**
 * The NetMend panel's webview app. It restores its last view from getState (the panel survives a reload without
 * retainContextWhenHidden), says `ready` to the host, then draws whatever valid `show` message arrives. Every message
 * from the host is validated; anything else is reported back as `invalid` and ignored.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import './panel.css';
import { h } from './dom';
import { RENDERED_TEXT_LIMIT, isHostMessage, isPanelState, type PanelMessage, type PanelState, type View } from './protocol';
import { responsibilityView } from './responsibilityView';
import { reviewView } from './reviewView';
import { compareView } from './compareView';

interface VsCodeApi {
  postMessage(message: PanelMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;
const busy = document.getElementById('busy')!;
const saved = vscode.getState();
let state: PanelState = isPanelState(saved) ? saved : { view: { kind: 'empty' } };
let redraw: (() => void) | undefined;

function render(): void {
  vscode.setState(state);
  const view = viewOf(state.view);
  root.replaceChildren(view.element);
  redraw = view.redraw;
  redraw?.();
  vscode.postMessage({ type: 'rendered', view: state.view.kind, ...view.drawn?.(), text: root.innerText.slice(0, RENDERED_TEXT_LIMIT) });
}

function viewOf(view: View): { element: HTMLElement; redraw?: () => void; drawn?: () => { layers: number; cells: number } } {
  switch (view.kind) {
    case 'empty':
      return { element: h('section', { class: 'view empty' }, h('h1', {}, 'NetMend'),
        h('p', {}, 'Run "NetMend: Show Neuron Responsibility" or a repair on a property to see it here.')) };
    case 'responsibility': {
      const heatmap = state.heatmap ?? { scale: 'layer', zoom: 1 };
      return responsibilityView(view.responsibility, {
        scale: heatmap.scale,
        zoom: heatmap.zoom,
        aggregate: heatmap.aggregate ?? false,
        onSettings: (settings) => { state = { ...state, heatmap: settings }; vscode.setState(state); },
        onFineTune: (neurons) => vscode.postMessage({ type: 'fineTune', docUri: view.docUri, property: view.responsibility.property, neurons }),
        onRepair: () => vscode.postMessage({ type: 'repair', docUri: view.docUri, property: view.responsibility.property }),
      });
    }
    case 'review':
      return { element: reviewView(view.report, view.status, {
        onAccept: (overwrite) => vscode.postMessage({ type: 'accept', reviewId: view.reviewId, overwrite }),
        onReject: () => vscode.postMessage({ type: 'reject', reviewId: view.reviewId }),
        onRepairAgain: view.docUri && view.report.property ? () => vscode.postMessage({ type: 'repair', docUri: view.docUri!, property: view.report.property! }) : undefined,
      }) };
    case 'compare':
      return { element: compareView(view.reports, view.reviewIds, view.property, (reviewId) => vscode.postMessage({ type: 'openReview', reviewId })) };
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostMessage(message)) {
    const type = typeof message === 'object' && message !== null && 'type' in message ? String(message.type) : typeof message;
    vscode.postMessage({ type: 'invalid', detail: `the panel ignored a message it cannot read (${type})` });
    return;
  }
  if (message.type === 'busy') {
    busy.hidden = message.message === undefined;
    busy.querySelector('.busy-text')!.textContent = message.message ?? '';
    return;
  }
  state = { ...state, view: message.view };
  render();
});

// The canvas is laid out for the panel's width and everything drawn is coloured from the theme: draw again when
// either changes (VS Code switches the body's theme class).
let frame = 0;
new ResizeObserver(() => {
  cancelAnimationFrame(frame);
  frame = requestAnimationFrame(() => redraw?.());
}).observe(root);
new MutationObserver(() => (redraw ? redraw() : render())).observe(document.body, { attributes: true, attributeFilter: ['class'] });

render();
vscode.postMessage({ type: 'ready' });
