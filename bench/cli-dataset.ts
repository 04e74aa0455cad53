/**
 * `gcam explain` over a folder of photo-sized JPEGs, whole process: wall time, images/s and peak RSS (VmHWM, read
 * from /proc while the run goes) of this checkout's streaming CLI, side by side with another checkout's CLI (the
 * one before streaming, `--against DIR`) on the same files and model, run one after the other.
 *
 *   node --import tsx bench/cli-dataset.ts --model .cache/zoo/resnet50-op17.onnx --images 1000 [--against ../old]
 *
 * The photos (1024×768, smooth gradients, shapes and noise, JPEG quality 90) are generated once into
 * .cache/bench/photos-<N>.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    images: { type: 'string', default: '1000' },
    against: { type: 'string' },
    'batch-size': { type: 'string', default: '8' },
  },
});
if (!values.model) throw new Error('--model m.onnx is required');
const n = Number(values.images);
const root = resolve(import.meta.dirname, '..');
const photos = join(root, '.cache', 'bench', `photos-${n}`);

async function makePhotos(): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => join(photos, `p${String(i).padStart(5, '0')}.jpg`));
  if (names.every((f) => existsSync(f))) return names;
  mkdirSync(photos, { recursive: true });
  const w = 1024;
  const h = 768;
  for (const [i, f] of names.entries()) {
    const data = new Uint8Array(w * h * 3);
    let s = (i + 1) * 2654435761;
    const cx = (i * 97) % w;
    const cy = (i * 57) % h;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        const disc = (x - cx) ** 2 + (y - cy) ** 2 < 120 ** 2;
        for (let c = 0; c < 3; c++) {
          const base = disc ? 40 + c * 90 : (x * (c + 1) * 255) / w / 2 + (y * 255) / h / 2;
          data[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, base + ((s >>> 0) % 31) - 15));
        }
      }
    writeFileSync(
      f,
      await sharp(data, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  return names;
}

interface Run {
  label: string;
  seconds: number;
  peakMB: number;
  code: number | null;
}

/** Runs one CLI to completion, polling the peak resident set (VmHWM) every 50 ms until it exits. */
function measure(label: string, main: string, args: string[]): Promise<Run> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let peak = 0;
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // Exited between two polls.
    }
  }, 50);
  return new Promise((done) =>
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) console.error(`${label} exited with ${code}:\n${stderr.slice(-2000)}`);
      done({ label, seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakMB: peak, code });
    }),
  );
}

const files = await makePhotos();
const out = join(root, '.cache', 'bench', 'cli-dataset-out');
const common = ['--model', resolve(values.model), '--batch-size', values['batch-size']!];
const runs: Run[] = [];
if (values.against) {
  rmSync(out, { recursive: true, force: true });
  // The CLI before streaming takes files only: every path on the command line.
  runs.push(
    await measure('before (all results kept)', join(resolve(values.against), 'src/cli/main.ts'), [
      'explain',
      ...files,
      ...common,
      '--out',
      out,
      '--quiet',
    ]),
  );
}
rmSync(out, { recursive: true, force: true });
runs.push(
  await measure('streaming (this checkout)', join(root, 'src/cli/main.ts'), [
    'explain',
    photos,
    ...common,
    '--out',
    out,
    '--quiet',
  ]),
);
rmSync(out, { recursive: true, force: true });
console.log(`${n} JPEGs 1024×768, ${values.model}, batch ${values['batch-size']}`);
console.log('| CLI | wall s | images/s | peak RSS MB |');
console.log('|---|---:|---:|---:|');
for (const r of runs)
  console.log(`| ${r.label} | ${r.seconds.toFixed(1)} | ${(n / r.seconds).toFixed(2)} | ${r.peakMB.toFixed(0)} |`);
if (runs.length === 2)
  console.log(
    `streaming/before: ${(runs[0].seconds / runs[1].seconds).toFixed(2)}× the speed, ${(runs[1].peakMB / runs[0].peakMB).toFixed(2)}× the peak memory`,
  );
