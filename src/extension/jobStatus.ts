/** A status bar item while a verification runs: a spinner and its name; clicking it cancels the running jobs. */
import * as vscode from 'vscode';

export class JobStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  private readonly labels = new Set<string>();

  constructor() {
    this.item.command = 'netmend.cancelJobs';
    this.item.tooltip = 'NetMend is verifying: click to cancel';
  }

  /** Shows the label until the returned function is called. */
  begin(label: string): () => void {
    this.labels.add(label);
    this.render();
    return () => {
      this.labels.delete(label);
      this.render();
    };
  }

  private render(): void {
    if (this.labels.size === 0) return this.item.hide();
    this.item.text = `$(sync~spin) NetMend: ${[...this.labels].join(', ')}`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
