import { availableParallelism } from 'node:os';
import { InputError } from '../core/errors';

export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

/** Splits `a b --flag --key value --key=value` with the given value-taking options. */
export function parseArgs(args: string[], valueOptions: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = arg.slice(2, eq < 0 ? undefined : eq);
    if (eq >= 0) flags.set(key, arg.slice(eq + 1));
    else if (valueOptions.includes(key)) {
      if (i + 1 >= args.length) throw new InputError(`option --${key} needs a value`);
      flags.set(key, args[++i]);
    } else flags.set(key, true);
  }
  return { positional, flags };
}

export function stringFlag(parsed: ParsedArgs, key: string): string | undefined {
  const v = parsed.flags.get(key);
  if (v === true) throw new InputError(`option --${key} needs a value`);
  return v;
}

/** --threads N for the complete search: every core unless told otherwise. */
export function threadsFlag(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError('--threads must be a whole number of at least 1');
  return n;
}
