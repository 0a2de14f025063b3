/**
 * Repairs waiting for Accept or Reject: the report, the model it repairs, the .prop file it came from and the repaired
 * ONNX, copied into the extension's storage so that it outlives the worker's temporary files and a window reload.
 * Records live in the workspace state, keyed by a random id: the webview only ever names a review by that id, so a
 * tampered page state cannot point Accept at another file.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Memento } from 'vscode';
import type { RepairReport } from '../../core/repair/report';
import type { ReviewStatus } from '../../../webview/protocol';

export interface ReviewRecord {
  readonly report: RepairReport;
  readonly modelPath: string;
  readonly docUri?: string;
  readonly status: ReviewStatus;
}

const KEY = 'netmend.panel.reviews';
/** Older records (and their candidate files) are dropped past this many. */
const KEEP = 20;
const ID = /^[0-9a-f]{16}$/;

export class Reviews {
  constructor(private readonly state: Memento, private readonly folder: string) {}

  /** Stores a repaired model for review; `repaired` is its bytes or a file to copy (none: a report without a model). */
  async add(report: RepairReport, repaired: Uint8Array | string | undefined, docUri?: string): Promise<string> {
    const id = randomBytes(8).toString('hex');
    await fsp.mkdir(this.folder, { recursive: true });
    if (typeof repaired === 'string') await fsp.copyFile(repaired, this.candidate(id));
    else if (repaired) await fsp.writeFile(this.candidate(id), repaired);
    const status: ReviewStatus = repaired === undefined ? { state: 'empty' } : { state: 'pending' };
    const records = { ...this.all(), [id]: { report, modelPath: report.model, docUri, status } satisfies ReviewRecord };
    const ids = Object.keys(records);
    for (const old of ids.slice(0, Math.max(0, ids.length - KEEP))) {
      delete records[old];
      await fsp.rm(this.candidate(old), { force: true });
    }
    await this.state.update(KEY, records);
    return id;
  }

  get(id: string): ReviewRecord | undefined {
    return ID.test(id) ? this.all()[id] : undefined;
  }

  /** The repaired model's file, while the review is pending. */
  candidate(id: string): string {
    if (!ID.test(id)) throw new Error(`not a review id: ${id}`);
    return path.join(this.folder, `${id}.onnx`);
  }

  /** Records the outcome; an accepted or rejected review's candidate file is deleted. */
  async settle(id: string, status: ReviewStatus): Promise<void> {
    const record = this.get(id);
    if (!record) return;
    await this.state.update(KEY, { ...this.all(), [id]: { ...record, status } });
    if (status.state === 'accepted' || status.state === 'rejected') await fsp.rm(this.candidate(id), { force: true });
  }

  private all(): Record<string, ReviewRecord> {
    return this.state.get<Record<string, ReviewRecord>>(KEY, {});
  }
}
