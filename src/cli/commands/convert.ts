import { writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { InputError } from '../../core/errors';
import { parseVnnlib, writeVnnlib } from '../../core/property/vnnlib';
import { queryToProp } from '../../core/property/toProp';
import { parseArgs, stringFlag } from '../args';
import { inputProblemsExitOne, type Command } from '../command';
import { assertWritable } from '../output';
import { loadQueries, readText } from '../loadQueries';

export const convertCommand: Command = {
  name: 'convert',
  usage: 'convert <file.vnnlib|file.prop> --to prop|vnnlib [--property NAME] [-o OUT]',
  summary: 'convert between VNN-LIB and .prop (a .prop property becomes one VNN-LIB query)',
  run(args) {
    return inputProblemsExitOne(this.name, async () => {
      const parsed = parseArgs(args, { values: ['to', 'property', 'out'], short: { o: 'out' }, positionals: 1 });
      const [file] = parsed.positional;
      const to = stringFlag(parsed, 'to');
      if (!file || (to !== 'prop' && to !== 'vnnlib')) throw new InputError(`usage: netmend ${this.usage}`);
      const out = stringFlag(parsed, 'out');
      if (out) assertWritable(out, 'output');
      let text: string;
      if (to === 'prop') {
        if (extname(file).toLowerCase() !== '.vnnlib') throw new InputError('--to prop converts a .vnnlib file', { file });
        text = queryToProp(parseVnnlib(readText(file, 'VNN-LIB file'), file), basename(file));
      } else {
        const wanted = stringFlag(parsed, 'property');
        const queries = loadQueries(file).map((q) => q.query);
        const chosen = wanted ? queries.filter((q) => q.name === wanted) : queries;
        if (chosen.length !== 1) {
          throw new InputError(wanted ? `no property named '${wanted}'; the file has ${queries.map((q) => q.name).join(', ')}` : `the file has ${queries.length} properties; choose one with --property (${queries.map((q) => q.name).join(', ')})`, { file });
        }
        text = writeVnnlib(chosen[0]);
      }
      if (out) writeFileSync(out, text);
      else process.stdout.write(text);
      return 0;
    });
  },
};
