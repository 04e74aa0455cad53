#!/usr/bin/env node
/** The gcam command line: parses the arguments and hands them to one command (src/cli/commands/); failures become exit codes. */
import { USAGE, UsageError, parse } from './args.js';
import { reportError } from './errors.js';
import { cmdDemo } from './commands/demo.js';
import { cmdEvaluate } from './commands/evaluate.js';
import { cmdExplain } from './commands/explain.js';
import { cmdInfo } from './commands/info.js';
import { cmdLayers } from './commands/layers.js';
import { cmdMethods } from './commands/methods.js';
import { cmdView } from './commands/view.js';

export async function main(argv: string[]): Promise<number> {
  try {
    const p = parse(argv);
    if (p.values.help || !p.command) {
      console.log(USAGE);
      return p.command || p.values.help ? 0 : 2;
    }
    switch (p.command) {
      case 'explain':
        return await cmdExplain(p);
      case 'evaluate':
        return await cmdEvaluate(p);
      case 'layers':
        return await cmdLayers(p);
      case 'demo':
        return await cmdDemo(p);
      case 'methods':
        return cmdMethods();
      case 'info':
        return cmdInfo(p);
      case 'view':
        return await cmdView(p);
      default:
        throw new UsageError(`Unknown command '${p.command}'.\n\n${USAGE}`);
    }
  } catch (e) {
    return reportError(e);
  }
}

const invokedDirectly = process.argv[1] && /(?:^|[/\\])(?:main\.[jt]s|gcam)$/.test(process.argv[1]);
if (invokedDirectly) main(process.argv.slice(2)).then((code) => process.exit(code));
