/** The latest verification verdict of each property, per document; cleared when the document or its model changes. */
import * as vscode from 'vscode';
import type { VerifyResult } from '../core/verify/types';

export class Results {
  private readonly byDocument = new Map<string, Map<string, VerifyResult>>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  get(uri: vscode.Uri, property: string): VerifyResult | undefined {
    return this.byDocument.get(uri.toString())?.get(property);
  }

  set(uri: vscode.Uri, property: string, result: VerifyResult): void {
    const key = uri.toString();
    if (!this.byDocument.has(key)) this.byDocument.set(key, new Map());
    this.byDocument.get(key)!.set(property, result);
    this.changed.fire(uri);
  }

  clear(uri: vscode.Uri): void {
    if (this.byDocument.delete(uri.toString())) this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
