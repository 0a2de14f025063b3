/**
 * The NetMend side panel, host side: one webview panel beside the editor showing a responsibility heatmap, a repair's
 * review or the comparison of methods. Commands call `showResponsibility`, `showReport`, `showComparison`; the panel
 * answers with Accept / Reject (handled here, see acceptFlow.ts) and "Fine-tune these neurons" (`onFineTune`).
 * The webview keeps no context when hidden: it restores its state itself and a serializer brings the panel back after
 * a reload.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Responsibility } from '../../core/localize/types';
import type { RepairReport } from '../../core/repair/report';
import { isPanelMessage, isPanelState, neuronsExist, type HostMessage, type NeuronRef, type PanelMessage, type ReviewStatus, type View } from '../../../webview/protocol';
import { panelHtml } from './html';
import { MessageQueue } from './messageQueue';
import { Reviews } from './reviews';
import { acceptReview, type PanelDeps } from './acceptFlow';

export type { PanelDeps } from './acceptFlow';

export interface FineTuneRequest {
  readonly docUri: vscode.Uri;
  readonly property: string;
  readonly neurons: readonly NeuronRef[];
}

/** What the webview reports it drew (see the protocol's `rendered`). */
export type Rendered = Extract<PanelMessage, { type: 'rendered' }>;


/** Waiting for a decision: never decided, or an Accept that failed and may be tried again. */
const acceptable = (status: ReviewStatus) => status.state === 'pending' || status.state === 'failed';

export class NetMendPanel implements vscode.Disposable {
  static readonly viewType = 'netmend.panel';
  private panel?: vscode.WebviewPanel;
  private queue?: MessageQueue;
  private view: View = { kind: 'empty' };
  private readonly reviews: Reviews;
  private fineTuneHandler?: (request: FineTuneRequest) => void;
  private readonly rendered = new vscode.EventEmitter<Rendered>();
  /** Fires each time the webview has drawn a view. */
  readonly onDidRender = this.rendered.event;
  private lastDrawn?: Rendered;
  private readonly subscriptions: vscode.Disposable[] = [this.rendered];

  constructor(private readonly context: vscode.ExtensionContext, private readonly deps: PanelDeps) {
    this.reviews = new Reviews(context.workspaceState, path.join((context.storageUri ?? context.globalStorageUri).fsPath, 'repairs'));
    this.subscriptions.push(vscode.window.registerWebviewPanelSerializer(NetMendPanel.viewType, {
      deserializeWebviewPanel: async (panel, state) => this.adopt(panel, isPanelState(state) ? this.checked(state.view) : { kind: 'empty' }),
    }));
  }

  /** Shows which neurons are responsible for a violation of `responsibility.property` in the .prop file `docUri`. */
  showResponsibility(docUri: vscode.Uri, responsibility: Responsibility): void {
    this.show({ kind: 'responsibility', docUri: docUri.toString(), responsibility });
  }

  /**
   * Shows a repair for review. `repaired` is the repaired ONNX (bytes, or the file the driver wrote; none when the
   * method produced no model); it is kept until Accept writes it beside the model or Reject discards it. Returns the
   * review's id.
   */
  async showReport(report: RepairReport, repaired: Uint8Array | string | undefined, docUri?: vscode.Uri): Promise<string> {
    const reviewId = await this.reviews.add(report, repaired, docUri?.toString());
    this.show(this.reviewView(reviewId)!);
    return reviewId;
  }

  /** Shows the methods' reports on one property side by side; each repaired model given can be reviewed and accepted. */
  async showComparison(entries: readonly { readonly report: RepairReport; readonly repaired?: Uint8Array | string }[], docUri?: vscode.Uri, property?: string): Promise<void> {
    const reviewIds = await Promise.all(entries.map((e) => (e.repaired === undefined ? null : this.reviews.add(e.report, e.repaired, docUri?.toString()))));
    this.show({ kind: 'compare', docUri: docUri?.toString(), property, reports: entries.map((e) => e.report), reviewIds });
  }

  /** A progress line at the top of the panel while a job for it runs; `undefined` ends it. */
  setBusy(message: string | undefined): void {
    this.queue?.post({ type: 'busy', message });
  }

  /** Who starts a fine-tuning of selected neurons (the BIRDNN repair). */
  setFineTuneHandler(handler: (request: FineTuneRequest) => void): void {
    this.fineTuneHandler = handler;
  }

  /** What the webview drew last (also after a reload, when the serializer restored the panel). */
  get lastRendered(): Rendered | undefined {
    return this.lastDrawn;
  }

  /** The review the panel shows, while it waits for Accept or Reject (for the palette's Accept / Reject commands). */
  pendingReview(): string | undefined {
    return this.view.kind === 'review' && acceptable(this.view.status) ? this.view.reviewId : undefined;
  }

  /** Accept: writes the repaired model (beside the original, or over it after a backup). The review's new status, or undefined when cancelled or unknown. */
  async accept(reviewId: string, overwrite: boolean): Promise<ReviewStatus | undefined> {
    const record = this.reviews.get(reviewId);
    if (!record || !acceptable(record.status)) return undefined;
    const status = await acceptReview(record, this.reviews.candidate(reviewId), overwrite, this.deps);
    if (status) await this.settle(reviewId, status);
    return status;
  }

  /** Reject: discards the repaired model; nothing is written. */
  async reject(reviewId: string): Promise<void> {
    const record = this.reviews.get(reviewId);
    if (!record || !acceptable(record.status)) return;
    await this.settle(reviewId, { state: 'rejected' });
    this.deps.log.info(`repair review ${reviewId} rejected: the repaired model was discarded`);
  }

  private async settle(reviewId: string, status: ReviewStatus): Promise<void> {
    await this.reviews.settle(reviewId, status);
    if (this.view.kind === 'review' && this.view.reviewId === reviewId) this.show(this.reviewView(reviewId)!);
  }

  private show(view: View): void {
    this.view = view;
    void vscode.commands.executeCommand('setContext', 'netmend.reviewPending', this.pendingReview() !== undefined);
    if (!this.panel) {
      this.adopt(vscode.window.createWebviewPanel(NetMendPanel.viewType, 'NetMend', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {}), view);
    } else {
      this.panel.reveal(undefined, true);
    }
    this.queue!.post({ type: 'show', view });
  }

  /** Sets up a new or restored panel: options, HTML, message handling. */
  private adopt(panel: vscode.WebviewPanel, view: View): void {
    this.panel = panel;
    this.view = view;
    const media = [vscode.Uri.joinPath(this.context.extensionUri, 'dist'), vscode.Uri.joinPath(this.context.extensionUri, 'media')];
    panel.webview.options = { enableScripts: true, localResourceRoots: media };
    const queue = new MessageQueue((m: HostMessage) => void panel.webview.postMessage(m));
    this.queue = queue;
    queue.post({ type: 'show', view });
    const asset = (file: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', file)).toString();
    panel.webview.html = panelHtml({ cspSource: panel.webview.cspSource, scriptUri: asset('webview.js'), styleUri: asset('webview.css') });
    const listeners = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m, queue)),
      // Hidden without retained context, the page is destroyed; it says ready again when shown.
      panel.onDidChangeViewState(() => { if (!panel.visible) queue.markNotReady(); }),
    ];
    panel.onDidDispose(() => {
      listeners.forEach((l) => l.dispose());
      if (this.panel === panel) {
        this.panel = undefined;
        this.queue = undefined;
      }
    });
  }

  private receive(message: unknown, queue: MessageQueue): void {
    if (!isPanelMessage(message)) {
      this.deps.log.warn(`panel: ignored an unreadable message: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    void this.handle(message, queue).catch((err) => this.deps.log.error(`panel: ${message.type} failed: ${(err as Error).message}`));
  }

  private async handle(message: PanelMessage, queue: MessageQueue): Promise<void> {
    switch (message.type) {
      case 'ready': queue.markReady(); return;
      case 'invalid': this.deps.log.warn(`panel: ${message.detail}`); return;
      case 'openReview': {
        const view = this.reviewView(message.reviewId);
        if (view) this.show(view);
        return;
      }
      case 'rendered':
        this.lastDrawn = message;
        this.rendered.fire(message);
        return;
      case 'reject': await this.reject(message.reviewId); return;
      case 'accept': await this.accept(message.reviewId, message.overwrite); return;
      case 'repair': await vscode.commands.executeCommand('netmend.repairModel', vscode.Uri.parse(message.docUri), message.property); return;
      case 'fineTune': {
        // Only neurons of the map on show, for its file and property: a stale or tampered page cannot name others.
        const shown = this.view;
        if (shown.kind !== 'responsibility' || shown.docUri !== message.docUri || shown.responsibility.property !== message.property
          || !neuronsExist(shown.responsibility, message.neurons)) {
          this.deps.log.warn(`panel: ignored a fine-tune request for neurons not on the heatmap shown (${message.property})`);
          return;
        }
        const request = { docUri: vscode.Uri.parse(message.docUri), property: message.property, neurons: message.neurons };
        if (this.fineTuneHandler) this.fineTuneHandler(request);
        else void vscode.window.showInformationMessage(`NetMend: fine-tuning selected neurons (BIRDNN) is not available in this build yet; ${message.neurons.length} neurons were selected and nothing was changed.`);
        return;
      }
    }
  }

  private reviewView(reviewId: string): View | undefined {
    const record = this.reviews.get(reviewId);
    return record && { kind: 'review', reviewId, docUri: record.docUri, report: record.report, status: record.status };
  }

  /** A restored view as the host knows it: a review's status and report come from the host's records, not the page. */
  private checked(view: View): View {
    if (view.kind !== 'review') return view;
    return this.reviewView(view.reviewId) ?? { ...view, status: { state: 'failed', message: 'This repaired model is no longer kept; run the repair again to accept it.' } };
  }

  dispose(): void {
    this.panel?.dispose();
    this.subscriptions.forEach((s) => s.dispose());
  }
}
