import { availableParallelism } from 'node:os';
import { InputError } from '../core/errors';

/** A command line the command cannot run with (an unknown flag, an unwritable output): exit 2 in every command. */
export class UsageError extends InputError {}

/** What a command accepts; anything else on its command line is refused (exit 2) with the closest known flag. */
export interface ArgSpec {
  /** Flags that take a value: `--key value` or `--key=value`. */
  readonly values?: readonly string[];
  /** Flags that stand alone: `--json`. */
  readonly switches?: readonly string[];
  /** Short spellings, e.g. { o: 'out' } lets `-o FILE` stand for `--out FILE`. */
  readonly short?: Readonly<Record<string, string>>;
  /** The most positional arguments the command takes. */
  readonly positionals: number;
}

export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

/** Splits `a b --flag --key value --key=value -k value` by the command's spec, refusing what it does not declare. */
export function parseArgs(args: readonly string[], spec: ArgSpec): ParsedArgs {
  const values = spec.values ?? [];
  const switches = spec.switches ?? [];
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      if (positional.length === spec.positionals) throw new UsageError(`unexpected argument '${arg}' (the command takes ${spec.positionals} ${spec.positionals === 1 ? 'argument' : 'arguments'} besides its flags)`);
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const written = eq < 0 ? arg : arg.slice(0, eq);
    const key = written.startsWith('--') ? written.slice(2) : spec.short?.[written.slice(1)];
    if (key === undefined || (!values.includes(key) && !switches.includes(key))) {
      throw new UsageError(`unknown option '${written}'${suggestion(written, [...values, ...switches], spec.short)}`);
    }
    if (flags.has(key)) throw new UsageError(`option --${key} is given twice`);
    if (switches.includes(key)) {
      if (eq >= 0) throw new UsageError(`option --${key} takes no value`);
      flags.set(key, true);
    } else if (eq >= 0) flags.set(key, arg.slice(eq + 1));
    else {
      if (i + 1 >= args.length) throw new UsageError(`option --${key} needs a value`);
      flags.set(key, args[++i]);
    }
  }
  return { positional, flags };
}

/** "; did you mean --timeout?" for the known flag closest to what was written, if one is close. */
function suggestion(written: string, known: readonly string[], short: ArgSpec['short']): string {
  const name = written.replace(/^-+/, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const flag of known) {
    // One letter (-t) suggests a flag it begins; a longer name, the flag it begins, extends or nearly spells.
    const d = name.length === 1 ? (flag.startsWith(name) ? 0 : Infinity) : flag.startsWith(name) || name.startsWith(flag) ? 1 : editDistance(name, flag);
    if (d < bestDistance) [best, bestDistance] = [flag, d];
  }
  const shortOf = (flag: string) => Object.keys(short ?? {}).find((k) => short![k] === flag);
  if (best === undefined || bestDistance > Math.max(2, Math.floor(best.length / 3))) {
    return known.length ? `; known options: ${known.map((f) => `--${f}`).join(', ')}` : '; this command takes no options';
  }
  return `; did you mean --${best}${shortOf(best) ? ` (or -${shortOf(best)})` : ''}?`;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

export function stringFlag(parsed: ParsedArgs, key: string): string | undefined {
  const v = parsed.flags.get(key);
  if (v === true) throw new InputError(`option --${key} needs a value`);
  return v;
}

/** --threads N for the complete search: every core unless told otherwise, and never more threads than cores. */
export function threadsFlag(value: string | undefined): number {
  const cores = availableParallelism();
  if (value === undefined) return cores;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError('--threads must be a whole number of at least 1');
  if (n > cores) {
    console.error(`netmend: --threads ${n} is more than the ${cores} cores of this machine; searching on ${cores} threads`);
    return cores;
  }
  return n;
}
