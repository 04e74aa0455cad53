#!/usr/bin/env node
/** The gcam command line: parses the arguments and hands them to one command (src/cli/commands/); failures become exit codes. */
import { USAGE, USAGE_HINT, UsageError, parse, type Parsed } from './args.js';
import { didYouMean } from './did-you-mean.js';
import { reportError } from './errors.js';
/**
 * Each command's module is imported only when it runs: `gcam methods`, `--help` or a mistyped flag then never load
 * onnxruntime, sharp or the model code (a third of a second on a small machine).
 */
const COMMANDS: Record<string, (p: Parsed) => Promise<number>> = {
  explain: async (p) => (await import('./commands/explain.js')).cmdExplain(p),
  evaluate: async (p) => (await import('./commands/evaluate.js')).cmdEvaluate(p),
  export: async (p) => (await import('./commands/export.js')).cmdExport(p),
  layers: async (p) => (await import('./commands/layers.js')).cmdLayers(p),
  demo: async (p) => (await import('./commands/demo.js')).cmdDemo(p),
  methods: async () => (await import('./commands/methods.js')).cmdMethods(),
  info: async (p) => (await import('./commands/info.js')).cmdInfo(p),
  view: async (p) => (await import('./commands/view.js')).cmdView(p),
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
