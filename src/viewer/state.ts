/**
 * What the page shows, in one object: the model, the images, the selection (image, class, method, layer), what is
 * compared side by side and how maps are drawn. Modules change it through update(); the listeners (main.ts) run once
 * per burst of changes, after the current task, so a handler that sets three fields causes one redraw.
 */
import type { MethodName, RawImage, ImageSource } from '../web.js';
import type { LoadedModel } from './model.js';
import type { PreprocessForm } from './preprocess.js';

export interface ViewerImage {
  /** Unique for the page's life: the key of its cached maps. */
  id: number;
  name: string;
  /** What the explainer takes: the decoded photo, or a preprocessed tensor from a .npy file. */
  source: ImageSource;
  /** What the maps are drawn on: the photo, or a gray picture of a tensor's first channel. */
  display: RawImage;
  tensor: boolean;
}

/** What the grid shows side by side: nothing, several methods at the layer, or several layers with the method. */
export type Compare = 'none' | 'methods' | 'layers';

export interface Settings {
  method: MethodName;
  layer: string;
  compare: Compare;
  compareMethods: MethodName[];
  compareLayers: string[];
  colormap: string;
  /** Heatmap opacity over the image, 0–1. */
  alpha: number;
  /** Signed maps in [-1, 1] (the library's relu: false), drawn with 0 at the colormap's middle. */
  signed: boolean;
}

export interface State {
  model?: LoadedModel;
  images: ViewerImage[];
  /** Index in images of the image shown. */
  current: number;
  /** The class explained; undefined: the image's predicted class (set once known). */
  classIndex?: number;
  settings: Settings;
  preprocess?: PreprocessForm;
  /** How many predictions the class list shows. */
  topK: number;
}

export const state: State = {
  images: [],
  current: 0,
  settings: {
    method: 'gradcam',
    layer: '',
    compare: 'methods',
    // Four gradient methods: one explain model serves them all, so the first grid costs one compile.
    compareMethods: ['gradcam', 'gradcam++', 'hirescam', 'layercam'],
    compareLayers: [],
    colormap: 'jet',
    alpha: 0.5,
    signed: false,
  },
  topK: 5,
};

type Listener = () => void;
const listeners: Listener[] = [];
let scheduled = false;

export function subscribe(fn: Listener): void {
  listeners.push(fn);
}

export function update(patch: Partial<State>): void {
  Object.assign(state, patch);
  schedule();
}

export function updateSettings(patch: Partial<Settings>): void {
  state.settings = { ...state.settings, ...patch };
  schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    for (const fn of listeners) fn();
  });
}

let nextId = 1;
export function imageId(): number {
  return nextId++;
}
