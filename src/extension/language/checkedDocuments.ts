/**
 * The checked form of each open .prop document, computed once per version and shared by diagnostics, hover,
 * completion and the outline. Models are read only in trusted folders, and their shapes are cached by file time.
 */
import { statSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { checkDocument, type CheckedDocument, type ModelShape } from '../../core/property';
import { fileHost } from '../../core/property/fileHost';

/** Whether a path lies outside every folder of the workspace (false when no folder is open: nothing to leave). */
function outsideWorkspace(path: string): boolean {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) return false;
  return folders.every((f) => {
    const rel = relative(f.uri.fsPath, path);
    return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  });
}

export class CheckedDocuments {
  private readonly cache = new Map<string, { version: number; trusted: boolean; doc: CheckedDocument }>();
  private readonly shapes = new Map<string, { mtimeMs: number; shape: ModelShape | { error: string } }>();

  get(document: vscode.TextDocument): CheckedDocument {
    const key = document.uri.toString();
    const trusted = vscode.workspace.isTrusted;
    const hit = this.cache.get(key);
    if (hit && hit.version === document.version && hit.trusted === trusted) return hit.doc;
    const host = fileHost(document.uri.fsPath, { loadModels: trusted });
    const doc = checkDocument(document.getText(), {
      ...host,
      modelShape: trusted && host.modelShape ? (path) => this.shape(path, host.modelShape!) : undefined,
      outsideWorkspace: (path) => outsideWorkspace(path),
    });
    this.cache.set(key, { version: document.version, trusted, doc });
    return doc;
  }

  forget(document: vscode.TextDocument): void {
    this.cache.delete(document.uri.toString());
  }

  private shape(path: string, load: (path: string) => ModelShape | { error: string }): ModelShape | { error: string } {
    let mtimeMs = -1;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      // A missing file: the loader reports it.
    }
    const hit = this.shapes.get(path);
    if (hit && hit.mtimeMs === mtimeMs && mtimeMs >= 0) return hit.shape;
    const shape = load(path);
    this.shapes.set(path, { mtimeMs, shape });
    return shape;
  }
}
