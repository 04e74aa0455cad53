/**
 * One gcam contender in a fresh process, for peak RSS and cold compile times (bench/run.ts spawns it):
 *
 *   node --import tsx bench/contender.ts <json spec>
 *   spec: { model: path.onnx, input: x.npy, kind: 'baseline' | 'forward' | 'gradcam-engine' | 'gradcam-library',
 *           layer?: module path, tensor?: its tensor name, batch: n, repeat: r, threads: t }
 *
 * Prints one JSON line: maxrss_kb (process.resourceUsage().maxRSS), load_ms, compile_ms (session or explain model:
 * probe + rewrite + session, including onnxruntime's one-time start-up since nothing ran before), run_ms[].
 */
import { readFileSync } from 'node:fs';
import {
  ExplainSession,
  GraphView,
  createImageExplainer,
  finalizeMaps,
  gradCam,
  listLayers,
  loadModel,
  nodeRuntime,
  parseNpy,
  resolveLayer,
} from '../src/node.js';

interface Spec {
  model: string;
  input: string;
  kind: 'baseline' | 'forward' | 'gradcam-engine' | 'gradcam-library';
  layer?: string;
  /** The layer's tensor name, when known (skips the layer listing). */
  tensor?: string;
  batch: number;
  repeat: number;
  threads: number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as Spec;
  const x8 = parseNpy(readFileSync(spec.input));
  const [, c, h, w] = x8.dims;
  const per = c * h * w;
  const n = spec.batch;
  const x = x8.data.slice(0, n * per);
  const runtime = nodeRuntime();
  const out: Record<string, unknown> = { kind: spec.kind };
  const runs: number[] = [];
  const time = async (f: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  if (spec.kind === 'baseline') {
    // onnxruntime-node and gcam imported, nothing loaded.
  } else if (spec.kind === 'forward' || spec.kind === 'gradcam-engine') {
    let t0 = performance.now();
    const decoded = loadModel(spec.model);
    const view = new GraphView(decoded.proto);
    out.load_ms = performance.now() - t0;
    if (spec.kind === 'forward') {
      t0 = performance.now();
      const session = await runtime.createSession(decoded.bytes, { threads: spec.threads, optimization: 'all' });
      out.compile_ms = performance.now() - t0;
      const feed = { [view.inputs[0].name]: { type: 'float32' as const, dims: [n, c, h, w], data: x } };
      for (let i = 0; i < spec.repeat; i++) runs.push(await time(() => session.run(feed, [view.outputs[0].name])));
    } else {
      // The layer as a tensor name (from the manifest), so that the compile is the first thing onnxruntime does; a
      // module path is resolved with the library's layer list first (a probe run, timed apart).
      let tensor = spec.tensor;
      if (!tensor) {
        t0 = performance.now();
        const layers = await listLayers(runtime, decoded, { view, inputShape: [1, c, h, w] });
        tensor = resolveLayer(spec.layer!, layers, view);
        out.layers_ms = performance.now() - t0;
      }
      t0 = performance.now();
      const ex = await ExplainSession.create(runtime, decoded, {
        targets: [tensor],
        inputShape: [1, c, h, w],
        threads: spec.threads,
        optimization: 'all',
      });
      out.compile_ms = performance.now() - t0;
      const k = ex.model.numClasses;
      const tw = new Float32Array(n * k);
      for (let i = 0; i < n; i++) tw[i * k] = 1;
      for (let i = 0; i < spec.repeat; i++)
        runs.push(
          await time(async () => {
            const r = await ex.run(x, tw);
            return finalizeMaps(gradCam(r.layers[0]), h, w);
          }),
        );
    }
  } else {
    const t0 = performance.now();
    const lib = await createImageExplainer(spec.model);
    out.load_ms = performance.now() - t0;
    const tensors = Array.from({ length: n }, (_, i) => ({ tensor: x.subarray(i * per, (i + 1) * per), dims: [c, h, w] }));
    const options = { layers: [spec.layer!], preprocess: 'none' as const, batchSize: n, threads: spec.threads };
    out.compile_ms = await time(() => lib.explain(tensors, options)); // first call compiles
    for (let i = 0; i < spec.repeat; i++) runs.push(await time(() => lib.explain(tensors, options)));
  }
  out.run_ms = runs;
  out.maxrss_kb = process.resourceUsage().maxRSS;
  console.log(JSON.stringify(out));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
