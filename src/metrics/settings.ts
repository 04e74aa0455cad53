/** evaluate()'s metric options → MetricSettings, each checked (typed errors naming the option). */
import { InvalidOptionError } from '../errors.js';
import { DEFAULT_SETTINGS, type MetricSettings } from './metric.js';

export type SettingsOptions = Partial<MetricSettings>;

export function resolveSettings(o: SettingsOptions): MetricSettings {
  const s = { ...DEFAULT_SETTINGS, ...definedOnly(o) };
  if (s.score !== 'prob' && s.score !== 'logit')
    throw new InvalidOptionError('score', `must be 'prob' or 'logit'; got '${String(s.score)}'.`);
  for (const key of ['morfPercentile', 'lerfPercentile'] as const) checkPercentile(key, s[key]);
  if (!Array.isArray(s.roadPercentiles) || s.roadPercentiles.length === 0)
    throw new InvalidOptionError('roadPercentiles', 'must be a non-empty list of percentiles.');
  for (const p of s.roadPercentiles) checkPercentile('roadPercentiles', p);
  if (!(Number.isFinite(s.roadNoise) && s.roadNoise >= 0))
    throw new InvalidOptionError('roadNoise', `must be a finite number ≥ 0; got ${s.roadNoise}.`);
  if (!Number.isSafeInteger(s.seed)) throw new InvalidOptionError('seed', `must be an integer; got ${s.seed}.`);
  if (!(Number.isInteger(s.steps) && s.steps >= 1 && s.steps <= 10_000))
    throw new InvalidOptionError('steps', `must be an integer from 1 to 10000; got ${s.steps}.`);
  if (!(Number.isFinite(s.pointingTolerance) && s.pointingTolerance >= 0))
    throw new InvalidOptionError('pointingTolerance', `must be a finite number of pixels ≥ 0; got ${s.pointingTolerance}.`);
  return s;
}

/** A percentile must lie strictly inside (0, 100): at 0 or 100 ROAD would remove every pixel or none. */
function checkPercentile(option: string, p: number): void {
  if (!(typeof p === 'number' && p > 0 && p < 100))
    throw new InvalidOptionError(option, `must be a percentile strictly between 0 and 100; got ${String(p)}.`);
}

function definedOnly(o: SettingsOptions): SettingsOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
