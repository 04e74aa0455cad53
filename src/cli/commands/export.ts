/**
 * `gcam export`: the model compiled into a self-contained explaining ONNX model (src/export/), written to -o and/or as
 * a Triton model repository entry (--triton DIR: DIR/<name>/1/model.onnx and DIR/<name>/config.pbtxt). Every
 * destination is checked before the compile, and the files are written all or nothing (output/commit.ts).
 */
import { basename, extname, join } from 'node:path';
import {
  exportExplainModel,
  InvalidModelError,
  loadModel,
  nodeRuntime,
  tritonConfig,
  tritonModelName,
  type ExportMethod,
} from '../../node.js';
import { USAGE_HINT, UsageError, intOption, type Parsed } from '../args.js';
import { userModel } from '../errors.js';
import { commitOutputs, type OutputFile } from '../output/commit.js';
import { checkDistinct, checkFile, checkFolder, checkReplaceable } from '../output/destination.js';

/** Triton's max_batch_size when --max-batch-size is not given. */
const DEFAULT_MAX_BATCH = 8;

interface ExportPlan {
  output?: string;
  triton?: { name: string; model: string; config: string };
  /** Folders to create, parents first. */
  folders: string[];
}

export async function cmdExport(p: Parsed): Promise<number> {
  const v = p.values;
  const path = p.rest[0] ?? v.model;
  if (!path) throw new UsageError(`gcam export needs a model.\n${USAGE_HINT}`);
  if (p.rest.length > 1) throw new UsageError(`gcam export takes one model; got ${p.rest.length}: ${p.rest.join(', ')}.`);
  if ((v.layer?.length ?? 0) > 1) throw new UsageError('gcam export explains one layer; give --layer once.');
  if (v.output === undefined && v.triton === undefined)
    throw new UsageError(`gcam export needs -o FILE.onnx, --triton DIR, or both.\n${USAGE_HINT}`);
  if (v['max-batch-size'] !== undefined && v.triton === undefined)
    throw new UsageError('--max-batch-size sets the Triton config: use it with --triton.');
  const maxBatch = intOption(v['max-batch-size'], 'max-batch-size', 1) ?? DEFAULT_MAX_BATCH;
  const size = intOption(v.size, 'size', 1);
  const plan = planExport(v.output, v.triton, path);
  const decoded = loadModel(path);
  // The exported bytes would name the data files relative to a folder they are not written to.
  if (decoded.externalTensors.length)
    throw new InvalidModelError(
      `Model file '${path}' keeps ${decoded.externalTensors.length} tensor(s) in external data files; gcam export takes models with their weights inside the .onnx file.`,
    );
  const exported = await userModel(
    exportExplainModel(nodeRuntime(), decoded, { layer: v.layer?.[0], method: v.method as ExportMethod | undefined, size }),
  );
  const files: OutputFile[] = [];
  if (plan.output) files.push({ flag: 'output', path: plan.output, bytes: exported.bytes });
  if (plan.triton) {
    files.push({ flag: 'triton', path: plan.triton.model, bytes: exported.bytes });
    files.push({ flag: 'triton', path: plan.triton.config, bytes: tritonConfig(exported, plan.triton.name, maxBatch) });
  }
  commitOutputs(files, plan.folders);
  const list = (ts: typeof exported.inputs) => ts.map((t) => `${t.name} [${(t.dims ?? []).join(', ')}]`).join(', ');
  console.log(`${exported.method} at layer '${exported.layer}', opset ${exported.opset}`);
  console.log(`inputs: ${list(exported.inputs)}`);
  console.log(`outputs: ${list(exported.outputs)}`);
  for (const f of files) console.log(`wrote ${f.path}`);
  return 0;
}

/** The destinations, checked before any compute: -o as a file, --triton as DIR/<name>/{config.pbtxt, 1/model.onnx}. */
function planExport(output: string | undefined, triton: string | undefined, modelPath: string): ExportPlan {
  const folders: string[] = [];
  const named: [string, string][] = [];
  if (output !== undefined) {
    folders.push(...checkFile('output', output));
    named.push(['output', output]);
  }
  let entry: ExportPlan['triton'];
  if (triton !== undefined) {
    const name = tritonModelName(basename(modelPath, extname(modelPath)));
    const version = join(triton, name, '1');
    folders.push(...checkFolder('triton', version, triton));
    entry = { name, model: join(version, 'model.onnx'), config: join(triton, name, 'config.pbtxt') };
    for (const f of [entry.model, entry.config]) {
      checkReplaceable('triton', f);
      named.push(['triton', f]);
    }
  }
  checkDistinct(named);
  return { output, triton: entry, folders: [...new Set(folders)].sort((a, b) => a.length - b.length) };
}
