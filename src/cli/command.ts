import { InputError } from '../core/errors';

export interface Command {
  readonly name: string;
  /** One line, e.g. "info <model> [--json]". */
  readonly usage: string;
  readonly summary: string;
  /** Returns the exit code. Throw InputError for bad input (exit 2 with a located message). */
  run(args: string[]): Promise<number>;
}

/** For commands whose contract reserves exit 2 for bugs: bad input is reported (located) and exits 1. */
export async function inputProblemsExitOne(commandName: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    console.error(`netmend ${commandName}: ${err.describe()}`);
    return 1;
  }
}
