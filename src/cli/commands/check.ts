import { InputError } from '../../core/errors';
import { checkDocument, hasErrors } from '../../core/property';
import { fileHost } from '../../core/property/fileHost';
import { parseArgs } from '../args';
import { inputProblemsExitOne, type Command } from '../command';
import { readText } from '../loadQueries';
import { initLp } from '../../core/lp';

export const checkCommand: Command = {
  name: 'check',
  usage: 'check <spec.prop> [--json]',
  summary: 'report every problem in a .prop file (exit 0 when it has no errors, 1 when it has or cannot be read)',
  run(args) {
    return inputProblemsExitOne(this.name, async () => {
      const parsed = parseArgs(args, { switches: ['json'], positionals: 1 });
      const [file] = parsed.positional;
      if (!file) throw new InputError(`usage: netmend ${this.usage}`);
      await initLp();
      const doc = checkDocument(readText(file, '.prop file'), fileHost(file));
      if (parsed.flags.has('json')) {
        console.log(JSON.stringify({
          diagnostics: doc.diagnostics.map((d) => ({ ...d, range: { start: d.range.start, end: d.range.end } })),
          properties: doc.properties.map((p) => ({ name: p.name, regions: p.query.region.length, clauses: p.clauseTexts })),
        }, null, 2));
      } else {
        for (const d of doc.diagnostics) console.log(`${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}`);
        console.log(`${doc.properties.length} properties, ${doc.diagnostics.filter((d) => d.severity === 'error').length} errors, ${doc.diagnostics.filter((d) => d.severity === 'warning').length} warnings`);
      }
      return hasErrors(doc) ? 1 : 0;
    });
  },
};
