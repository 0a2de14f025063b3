/** Where a user-facing problem is: any of a file, a line/column (1-based), and an ONNX node name. */
export interface Location {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly node?: string;
}

/**
 * An expected failure caused by the user's input (a model we cannot analyse, a corrupt file, a bad property file).
 * Anything else that is thrown is a bug. The message names what is wrong and what is supported.
 */
export class InputError extends Error {
  constructor(message: string, readonly location: Location = {}) {
    super(message);
    this.name = 'InputError';
  }

  /** "file:line:column (node X): message", with whatever parts are known. */
  describe(): string {
    const { file, line, column, node } = this.location;
    let where = file ?? '';
    if (line !== undefined) where += `${where ? ':' : 'line '}${line}${column !== undefined ? `:${column}` : ''}`;
    if (node !== undefined) where += `${where ? ' ' : ''}(node '${node}')`;
    return where ? `${where}: ${this.message}` : this.message;
  }
}
