/** Scenes with exactly two different shape classes, for the demo and the pointing game. Platform-free. */
import { generateScene, type Scene } from '../scenes/scene.js';
import { Prng } from '../scenes/prng.js';

/** Both classes are drawn from the seed (its own stream, so the choice does not shift the scene's other draws). */
export function twoShapeScene(seed: number, classes: number): Scene {
  const rng = new Prng(seed, 7);
  const a = Math.floor(rng.float() * classes);
  const b = (a + 1 + Math.floor(rng.float() * (classes - 1))) % classes;
  return generateScene(seed, { classes: [a, b] });
}
