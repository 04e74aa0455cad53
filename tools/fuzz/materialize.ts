/** Turning a case's file recipes into files in its folder (the same bytes every time for the same recipe). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildDicom } from './gen-dicom.js';
import { buildImage } from './gen-images.js';
import { buildModel } from './gen-models.js';
import { buildNifti } from './gen-nifti.js';
import { buildNpy } from './gen-npy.js';
import { buildSignalModel } from './gen-signals.js';
import { ROOT } from './paths.js';
import { seededBytes } from './rng.js';
import type { CliCase, FileRecipe } from './types.js';

async function fileBytes(
  recipe: FileRecipe,
  caseDir: string,
  extra: Record<string, Uint8Array>,
): Promise<Uint8Array | undefined> {
  switch (recipe.type) {
    case 'model': {
      const m = buildModel(recipe, caseDir);
      Object.assign(extra, m.extra);
      return m.bytes;
    }
    case 'image':
      return buildImage(recipe.spec);
    case 'npy':
      return buildNpy(recipe.spec);
    case 'dicom':
      return buildDicom(recipe.spec);
    case 'nifti':
      return buildNifti(recipe.spec);
    case 'signalModel':
      return buildSignalModel(recipe.spec);
    case 'text':
      return new TextEncoder().encode(recipe.text);
    case 'random': {
      const prefix = recipe.prefixHex
        ? Uint8Array.from(recipe.prefixHex.match(/../g)!.map((h) => parseInt(h, 16)))
        : new Uint8Array(0);
      const out = new Uint8Array(Math.max(prefix.length, recipe.length));
      out.set(seededBytes(recipe.seed, out.length));
      out.set(prefix);
      return recipe.length === 0 ? new Uint8Array(0) : out;
    }
    default:
      return undefined;
  }
}

/** Writes every file of the case into caseDir (created); folders, FIFOs and symlinks too. */
export async function materialize(c: CliCase, caseDir: string): Promise<void> {
  mkdirSync(caseDir, { recursive: true });
  const extra: Record<string, Uint8Array> = {};
  for (const [name, recipe] of Object.entries(c.files)) {
    const path = join(caseDir, name);
    mkdirSync(dirname(path), { recursive: true });
    if (recipe.type === 'dir') mkdirSync(path, { recursive: true });
    else if (recipe.type === 'fifo') execFileSync('mkfifo', [path]);
    else if (recipe.type === 'symlink') symlinkSync(recipe.target, path);
    else writeFileSync(path, (await fileBytes(recipe, caseDir, extra))!);
  }
  // External data files a model recipe produced (they may sit next to it or in the case's root).
  for (const [name, bytes] of Object.entries(extra)) {
    const path = join(caseDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
}

/** argv with the case folder and the repository root filled in. */
export function expandArgv(argv: readonly string[], caseDir: string): string[] {
  return argv.map((a) => a.replaceAll('{{CASE}}', caseDir).replaceAll('{{ROOT}}', ROOT.replace(/\/$/, '')));
}
