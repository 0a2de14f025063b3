#!/usr/bin/env node
/**
 * `netmend`: the command line on the same engine as the extension, for CI and benchmarks.
 * Exit codes: 0 success, 1 the input has problems (or a property is violated), 3 some answer unknown, 2 usage or internal error.
 * Each command lives in its own file under ./commands.
 */
import { InputError } from '../core/errors';
import type { Command } from './command';
import { info } from './commands/info';
import { evalCommand } from './commands/eval';
import { verifyCommand } from './commands/verify';
import { vnncompCommand } from './commands/vnncomp';
import { checkCommand } from './commands/check';
import { convertCommand } from './commands/convert';
import { repairCommand } from './commands/repair';
import { localizeCommand } from './commands/localize';

const commands: readonly Command[] = [info, evalCommand, checkCommand, convertCommand, verifyCommand, localizeCommand, repairCommand, vnncompCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return ['usage: netmend <command> [options]', '', ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)].join('\n');
}

/** Runs one command line; returns the exit code (exported so tests run commands in-process). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`netmend: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof InputError) {
      console.error(`netmend ${name}: ${err.describe()}`);
      return 2;
    }
    console.error(`netmend ${name}: internal error (a bug, please report it):`, err);
    return 2;
  }
}

if (require.main === module) main(process.argv.slice(2)).then((code) => process.exit(code));
