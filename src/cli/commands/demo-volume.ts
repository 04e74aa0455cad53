/**
 * `gcam demo --volume`: a fresh 32³ volume with two solids of different classes, written as NIfTI, each class
 * explained with the built-in 3-D model; the heatmaps (NIfTI, on the volume's grid), the figure of three orthogonal
 * slices through each map's peak and the manifest are what `gcam explain <volume> --figure` writes for it, and each
 * peak is checked against its solid's voxels.
 */
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { builtinVolumeModel } from '../../builtin.js';
import { createImageExplainer, type ExplainResult } from '../../node.js';
import { encodeImage } from '../../image/io-node.js';
import { twoSolidScene } from '../../eval/two-solids.js';
import { inMask, MASK_TOLERANCE } from '../../eval/pointing-game.js';
import type { MethodName } from '../../cam/method.js';
import { readNifti, writeNifti } from '../../volume/nifti.js';
import { UsageError, type Parsed } from '../args.js';
import type { LoadedInput } from '../inputs.js';
import { commitOutputs, type OutputFile } from '../output/commit.js';
import { checkReplaceable } from '../output/destination.js';
import { figureName, heatmapName } from '../output/names.js';
import { planOutputs } from '../output/plan.js';
import { manifestLine } from '../output/run-writer.js';
import { volumeFigure } from '../output/volume-figure.js';
import { volumeFiles, volumePeak } from '../output/volume-files.js';

export async function cmdDemoVolume(p: Parsed, seed: number): Promise<number> {
  const v = p.values;
  if ((v.layer?.length ?? 0) > 1) throw new UsageError('gcam demo --volume takes one --layer (each map is checked on its own).');
  const out = v.out ?? 'gcam-out';
  const plan = planOutputs({ out, folderOnly: true, inputs: [] });
  const base = `demo3d-${seed}`;
  const scene = twoSolidScene(seed);
  // The names are known before the compute (one layer: <base>-<class>.nii.gz) and checked now, like every other
  // destination. A volume is the same whenever its seed is, so its files are simply replaced.
  const volumePath = join(out, `${base}.nii.gz`);
  const mapPaths = scene.objects.map((o) => join(out, heatmapName(base, { classIndex: o.classIndex, layer: '' }, false)));
  const figurePath = join(out, figureName(base));
  const manifestPath = join(out, `${base}.jsonl`);
  for (const path of [volumePath, ...mapPaths, figurePath, manifestPath]) checkReplaceable('out', path);

  // Written as 8-bit levels in float32 with a fresh header (unit voxels, no orientation), then read back as
  // `gcam explain` reads it, so the heatmaps carry exactly the header that run would give them.
  const bytes = gzipSync(writeNifti(Float32Array.from(scene.data), scene.dims, undefined, [0, 255]));
  const nifti = readNifti(bytes, `'${volumePath}'`);
  const input: LoadedInput = { source: { volume: nifti.data, dims: nifti.dims, name: volumePath }, nifti, path: volumePath };
  const model = builtinVolumeModel();
  const ex = await createImageExplainer(model.path);
  let results: ExplainResult[];
  try {
    results = await ex.explain([input.source], {
      classes: scene.objects.map((o) => o.classIndex),
      labels: model.labels,
      intensity: model.intensity,
      method: v.method as MethodName | undefined,
      layers: v.layer,
    });
  } finally {
    await ex.release();
  }
  const maps = volumeFiles(results, input, base, false);
  const figure = await volumeFigure(results, input, base, { figure: true, colormap: 'jet', alpha: 0.5, signed: false });
  const files: OutputFile[] = [
    { flag: 'out', path: volumePath, bytes },
    ...maps.map((m, i) => ({ flag: 'out', path: mapPaths[i], bytes: m.bytes })),
    { flag: 'out', path: figurePath, bytes: await encodeImage(figure.image, figurePath) },
  ];
  const lines = results.map((r, i) => JSON.stringify(manifestLine(0, r, [mapPaths[i], figurePath], input)));
  files.push({ flag: 'out', path: manifestPath, bytes: lines.join('\n') + '\n' });

  console.log(
    `volume seed ${seed}: ${scene.objects.map((o) => o.label).join(' and ')} in 32³ voxels ` +
      `(layer '${results[0].layer}', ${results[0].method})`,
  );
  for (const [i, r] of results.entries()) {
    const obj = scene.objects[i];
    const other = scene.objects[1 - i];
    const { voxel } = volumePeak(r, input);
    const at = voxel as [number, number, number];
    const onOwn = inMask(at, obj.mask, scene.dims, MASK_TOLERANCE);
    const onOther = inMask(at, other.mask, scene.dims, MASK_TOLERANCE);
    console.log(
      `  ${obj.label.padEnd(8)} score ${r.score.toFixed(3)}  peak (i, j, k) = (${voxel.join(', ')}) ` +
        `${onOwn ? 'inside' : 'OUTSIDE'} the ${obj.label} (${obj.voxels} voxels, dilated by ${MASK_TOLERANCE})` +
        `${onOther ? ` (on the ${other.label}!)` : ''}`,
    );
  }
  commitOutputs(files, plan.folders);
  for (const f of files) console.log(`wrote ${f.path}`);
  return 0;
}
