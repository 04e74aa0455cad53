/** Volumes with exactly two different solid classes, for `gcam demo --volume` and the 3-D pointing game. Platform-free. */
import { generateVolumeScene, SOLID_LABELS, type VolumeScene } from '../scenes/volume-scene.js';
import { Prng } from '../scenes/prng.js';

/** Both classes are drawn from the seed (its own stream, so the choice does not shift the volume's other draws). */
export function twoSolidScene(seed: number): VolumeScene {
  const classes = SOLID_LABELS.length;
  const rng = new Prng(seed, 7);
  const a = Math.floor(rng.float() * classes);
  const b = (a + 1 + Math.floor(rng.float() * (classes - 1))) % classes;
  return generateVolumeScene(seed, { classes: [a, b] });
}
