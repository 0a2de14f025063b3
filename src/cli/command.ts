import { InputError } from '../core/errors';
import { UsageError } from './args';

export interface Command {
  readonly name: string;
  /** One line, e.g. "info <model> [--json]". */
  readonly usage: string;
  readonly summary: string;
  /** Returns the exit code. Throw InputError for bad input (exit 2 with a located message). */
  run(args: string[]): Promise<number>;
}

/** For commands whose contract reserves exit 2 for bugs and usage errors: bad input is reported (located) and exits 1. */
export async function inputProblemsExitOne(commandName: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof InputError) || err instanceof UsageError) throw err;
    console.error(`netmend ${commandName}: ${err.describe()}`);
    return 1;
  }
}
