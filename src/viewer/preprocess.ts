/**
 * The input panel: how images become model inputs, with the CLI's fields (--preprocess, --size, --resize,
 * --channel-order, --range, --mean, --std). A preset fills the fields; the fields are then passed as the preset's
 * overrides, which is what the CLI's flags do, so an edited field means the same here as there. The built-in model
 * gets its own preprocessing preselected, as `gcam explain` without --model does.
 */
import { InvalidOptionError, preset, type ExplainOptions, type PreprocessSpec } from '../web.js';
import { byId, el, fill } from './dom.js';
import type { LoadedModel } from './model.js';

export type PresetChoice = 'builtin' | 'imagenet' | 'caffe' | 'none';

export interface PreprocessForm {
  preset: PresetChoice;
  /** The square input size asked for (models with free height and width). */
  size: number;
  resize: PreprocessSpec['resize'];
  channelOrder: PreprocessSpec['channelOrder'];
  range: PreprocessSpec['range'];
  mean: number[];
  std: number[];
}

/** What `gcam view --preprocess … --resize …` asked for, as /user/manifest.json carries it. */
export interface PreprocessRequest {
  preset?: string;
  overrides?: Partial<Omit<PreprocessSpec, 'size'>>;
}

const PRESET_TITLES: Record<PresetChoice, string> = {
  builtin: 'built-in model’s own',
  imagenet: 'imagenet (RGB, crop, ImageNet mean/std)',
  caffe: 'caffe (BGR 0–255, stretch)',
  none: 'none (.npy tensors as they are)',
};

/** The form a model starts with: the built-in's own preprocessing, else what the command line asked, else imagenet. */
export function initialForm(m: LoadedModel, asked?: PreprocessRequest): PreprocessForm {
  const name = m.builtin && !asked?.preset ? 'builtin' : (asked?.preset ?? 'imagenet');
  if (!['builtin', 'imagenet', 'caffe', 'none'].includes(name))
    throw new InvalidOptionError('preprocess', `must be imagenet, caffe or none; got '${name}'.`);
  const form = presetForm(name as PresetChoice, m);
  return { ...form, ...(asked?.overrides ?? {}) } as PreprocessForm;
}

/** A preset's fields at the model's input size and channel count. */
export function presetForm(choice: PresetChoice, m: LoadedModel): PreprocessForm {
  const spec = specOf(choice, m);
  return {
    preset: choice,
    size: m.size[0],
    resize: spec.resize,
    channelOrder: spec.channelOrder,
    range: spec.range,
    mean: spec.mean,
    std: spec.std,
  };
}

function specOf(choice: PresetChoice, m: LoadedModel): PreprocessSpec {
  if (choice === 'builtin' && m.builtin) return m.builtin.preprocess;
  // 'none' keeps imagenet's fields on show (greyed out): tensors skip them all.
  return preset(choice === 'caffe' ? 'caffe' : 'imagenet', m.size, m.channels);
}

/** The explain options of a form: the preset (or the built-in's spec) and every field as an override. */
export function explainPreprocess(
  form: PreprocessForm,
  m: LoadedModel,
): Pick<ExplainOptions, 'preprocess' | 'preprocessOverrides'> {
  if (form.preset === 'none') return { preprocess: 'none' };
  const base = form.preset === 'builtin' && m.builtin ? m.builtin.preprocess : form.preset === 'caffe' ? 'caffe' : 'imagenet';
  const { resize, channelOrder, range, mean, std } = form;
  return { preprocess: base, preprocessOverrides: { resize, channelOrder, range, mean, std } };
}

const ids = {
  preset: 'pp-preset',
  size: 'pp-size',
  resize: 'pp-resize',
  channelOrder: 'pp-channel-order',
  range: 'pp-range',
  mean: 'pp-mean',
  std: 'pp-std',
} as const;

const input = (k: keyof typeof ids) => byId<HTMLInputElement | HTMLSelectElement>(ids[k]);

export function showForm(form: PreprocessForm, m: LoadedModel): void {
  const presetSelect = byId<HTMLSelectElement>(ids.preset);
  const choices = (Object.keys(PRESET_TITLES) as PresetChoice[]).filter((c) => c !== 'builtin' || m.builtin);
  fill(
    presetSelect,
    choices.map((c) => el('option', { value: c, textContent: PRESET_TITLES[c] })),
  );
  presetSelect.value = form.preset;
  const size = input('size') as HTMLInputElement;
  size.value = String(form.size);
  size.disabled = m.fixedSize;
  size.title = m.fixedSize
    ? `The model fixes its input at ${m.size[0]}×${m.size[1]}.`
    : 'Input size for a fully convolutional model';
  input('resize').value = form.resize;
  input('channelOrder').value = form.channelOrder;
  input('range').value = String(form.range);
  input('mean').value = form.mean.join(', ');
  input('std').value = form.std.join(', ');
  for (const k of ['resize', 'channelOrder', 'range', 'mean', 'std'] as const) input(k).disabled = form.preset === 'none';
  byId('pp-input').textContent = `model input ${m.channels}×${m.size[0]}×${m.size[1]}`;
}

/**
 * Calls back with the form after every edit: a new preset refills the fields; a field that does not parse is an
 * InvalidOptionError naming it, which the page shows.
 */
export function mountForm(
  m: () => LoadedModel | undefined,
  onChange: (form: PreprocessForm) => void,
  onError: (e: unknown) => void,
) {
  input('preset').addEventListener('change', () => {
    const model = m();
    if (model) onChange({ ...presetForm(input('preset').value as PresetChoice, model), size: Number(input('size').value) });
  });
  for (const k of ['size', 'resize', 'channelOrder', 'range', 'mean', 'std'] as const)
    input(k).addEventListener('change', () => {
      try {
        onChange(readForm());
      } catch (e) {
        onError(e);
      }
    });
}

function readForm(): PreprocessForm {
  const size = Number(input('size').value);
  if (!Number.isInteger(size) || size < 1)
    throw new InvalidOptionError('size', `must be a positive integer; got '${input('size').value}'.`);
  return {
    preset: input('preset').value as PresetChoice,
    size,
    resize: input('resize').value as PreprocessSpec['resize'],
    channelOrder: input('channelOrder').value as PreprocessSpec['channelOrder'],
    range: Number(input('range').value) === 255 ? 255 : 1,
    mean: numbers('mean'),
    std: numbers('std'),
  };
}

function numbers(key: 'mean' | 'std'): number[] {
  const text = input(key).value;
  const nums = text.split(',').map((x) => Number(x.trim()));
  if (text.trim() === '' || nums.some((x) => !Number.isFinite(x)) || (key === 'std' && nums.some((x) => x === 0)))
    throw new InvalidOptionError(key, `must be comma-separated numbers${key === 'std' ? ' (non-zero)' : ''}; got '${text}'.`);
  return nums;
}
