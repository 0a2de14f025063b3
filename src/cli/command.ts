export interface Command {
  readonly name: string;
  /** One line, e.g. "info <model> [--json]". */
  readonly usage: string;
  readonly summary: string;
  /** Returns the exit code. Throw InputError for bad input (exit 2 with a located message). */
  run(args: string[]): Promise<number>;
}
