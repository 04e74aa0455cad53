#!/usr/bin/env node
/** The gcam command line: parses the arguments and hands them to one command (src/cli/commands/); failures become exit codes. */
import { USAGE, USAGE_HINT, UsageError, parse, type Parsed } from './args.js';
import { didYouMean } from './did-you-mean.js';
import { reportError } from './errors.js';
import { cmdDemo } from './commands/demo.js';
import { cmdExplain } from './commands/explain.js';
import { cmdExport } from './commands/export.js';
import { cmdInfo } from './commands/info.js';
import { cmdLayers } from './commands/layers.js';
import { cmdMethods } from './commands/methods.js';
import { cmdView } from './commands/view.js';

const COMMANDS: Record<string, (p: Parsed) => number | Promise<number>> = {
  explain: cmdExplain,
  export: cmdExport,
  layers: cmdLayers,
  demo: cmdDemo,
  methods: cmdMethods,
  info: cmdInfo,
  view: cmdView,
};

export async function main(argv: string[]): Promise<number> {
  try {
    const p = parse(argv);
    if (p.values.help || !p.command) {
      console.log(USAGE);
      return p.command || p.values.help ? 0 : 2;
    }
    if (!Object.hasOwn(COMMANDS, p.command)) {
      const hint = didYouMean(p.command, Object.keys(COMMANDS));
      throw new UsageError(`Unknown command '${p.command}'.${hint}\n${USAGE_HINT}`);
    }
    return await COMMANDS[p.command](p);
  } catch (e) {
    return reportError(e);
  }
}

const invokedDirectly = process.argv[1] && /(?:^|[/\\])(?:main\.[jt]s|gcam)$/.test(process.argv[1]);
if (invokedDirectly) main(process.argv.slice(2)).then((code) => process.exit(code));
