/**
 * Repair Model...: pick a property (when not given) and a repair method, the configured default first. The methods
 * themselves arrive with their own issues; until then picking one says plainly that it is not in this build.
 */
import * as vscode from 'vscode';
import { trustedPropDocument } from './propDocument';
import type { CheckedDocuments } from './language/checkedDocuments';

export interface RepairMethod {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly detail: string;
}

/** The five methods of the seed papers, in the order of the papers. */
export const REPAIR_METHODS: readonly RepairMethod[] = [
  { id: 'nrepair', label: 'nRepair', description: 'verification-guided repair (provable)', detail: 'Bisects the input region, fixes neurons per region and joins the regions with gates.' },
  { id: 'irepair', label: 'I-REPAIR', description: 'localised gradient repair (point-wise)', detail: 'Fixes misclassified inputs with limited data by changing the weights that matter most.' },
  { id: 'reassure', label: 'REASSURE', description: 'provable patch networks (point-wise or area)', detail: 'Adds a patch per linear region, solved by LP, that changes nothing outside the region.' },
  { id: 'specrepair', label: 'SpecRepair', description: 'penalised retraining', detail: 'Searches counterexamples, retrains with a penalty on the property, certifies the result.' },
  { id: 'birdnn', label: 'BIRDNN', description: 'behaviour imitation / responsibility fine-tuning', detail: 'Retrains, or fine-tunes the neurons ranked most responsible for the violation.' },
];

type MethodItem = vscode.QuickPickItem & { readonly method: RepairMethod };

/** The methods as quick-pick items, the default first and marked. */
export function methodItems(defaultId: string): MethodItem[] {
  const first = REPAIR_METHODS.find((m) => m.id === defaultId) ?? REPAIR_METHODS[0];
  return [first, ...REPAIR_METHODS.filter((m) => m !== first)].map((method) => ({
    label: method.label,
    description: method === first ? `${method.description} (default)` : method.description,
    detail: method.detail,
    method,
  }));
}

export class RepairCommand {
  constructor(private readonly documents: CheckedDocuments, private readonly log: vscode.LogOutputChannel) {}

  /** From the CodeLens or a quick fix (document and property given) or the palette (the active .prop editor). */
  async repair(uri?: vscode.Uri, property?: string): Promise<{ property: string; method: string } | undefined> {
    const document = await trustedPropDocument(uri, { verb: 'repair', object: 'its model' });
    if (!document) return undefined;
    const name = property ?? (await this.pickProperty(document));
    if (!name) return undefined;
    const defaultId = vscode.workspace.getConfiguration('netmend').get<string>('repair.defaultMethod', 'reassure');
    const picked = await vscode.window.showQuickPick(methodItems(defaultId), {
      title: `NetMend: repair the model for ${name}`,
      placeHolder: 'Repair method',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return undefined;
    this.log.info(`repair of ${name} with ${picked.method.label} requested: not available in this build`);
    void vscode.window.showInformationMessage(`NetMend: ${picked.method.label} is not available in this build yet, so ${name} was not repaired. The model is unchanged.`);
    return { property: name, method: picked.method.id };
  }

  private async pickProperty(document: vscode.TextDocument): Promise<string | undefined> {
    const names = this.documents.get(document).file.decls.filter((d) => d.kind === 'property').map((d) => d.name.name);
    if (names.length === 0) {
      void vscode.window.showErrorMessage('This file declares no property to repair for.');
      return undefined;
    }
    return names.length === 1 ? names[0] : vscode.window.showQuickPick(names, { title: 'NetMend: repair the model for which property?' });
  }
}
