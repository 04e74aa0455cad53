/**
 * The viewer page's entry: it loads what to show (the model and images `gcam view` serves under user/, else the
 * built-in model and its sample scene), wires the panels to the state, and redraws after every change: the large
 * view first, then the class list and the grid, computing only the maps not kept yet.
 *
 * onnxruntime-web starts its wasm threads (when the page is cross-origin isolated and the machine has the cores) as
 * workers running this same script, which have no document: the page starts only where there is one.
 */
import { COLORMAPS, METHODS, parseLabels, type ExplainResult } from '../web.js';
import { ranked, clearClasses, mountClasses, showClasses } from './classes.js';
import { byId, el, fill } from './dom.js';
import { enableDownloads, mountDownloads, type Shown } from './downloads.js';
import { drawImage, drawOverlay, peak, placePeak, valueAt, type Look } from './draw.js';
import { Explanations, type Cell, type MapRequest } from './explain.js';
import { mountFiles } from './files.js';
import { mountGrid, showGrid, type GridCell } from './grid.js';
import { imagesFromFile, imagesFromUrl } from './images.js';
import { openBuiltin, openModel, resized, withLabels, type LoadedModel } from './model.js';
import { defaultCompareLayers, layerName, mountPickers, showPickers, usesLayer } from './pickers.js';
import {
  explainPreprocess,
  initialForm,
  mountForm,
  showForm,
  type PreprocessForm,
  type PreprocessRequest,
} from './preprocess.js';
import { state, subscribe, update, updateSettings, type Settings, type ViewerImage } from './state.js';
import { busy, catchStrays, clearError, ready, showError } from './status.js';

/** What `gcam view` lists at user/manifest.json: its model and images, and the command line's labels and preprocessing. */
interface UserManifest {
  model: { url: string; name: string } | null;
  images: { url: string; name: string }[];
  labels?: string[];
  size?: number;
  preprocess?: PreprocessRequest;
}

let page: URL;
let explanations: Explanations | undefined;
let shown: Shown | undefined;
/** Bumped by every redraw: a redraw that finds it changed after an await stops, a newer one has taken over. */
let generation = 0;
/** While a model loads, the status line says so: redraws in between leave it alone. */
let loading = false;
/** The command line's preprocessing, for the model it came with only. */
let asked: PreprocessRequest | undefined;

async function start(): Promise<void> {
  page = new URL('.', location.href);
  catchStrays();
  mountControls();
  subscribe(() => void redraw());
  busy('Loading…');
  const manifest = await userManifest();
  asked = manifest?.preprocess;
  loading = true;
  try {
    busy(manifest?.model ? `Loading ${manifest.model.name}…` : 'Loading the built-in shapes model…');
    const model = manifest?.model
      ? await openModel(new URL(manifest.model.url, page), manifest.model.name, { size: manifest.size, labels: manifest.labels })
      : await openBuiltin(page);
    useModel(model);
  } catch (e) {
    showError(e);
  }
  try {
    // The built-in model comes with a scene to explain, so the first open shows a map; yours waits for images.
    const listed = manifest?.images.length ? manifest.images : manifest?.model ? [] : [{ url: 'sample.png', name: 'sample.png' }];
    await addImages(listed.map((i) => () => imagesFromUrl(new URL(i.url, page), i.name)));
  } finally {
    loading = false;
    update({});
  }
}

async function userManifest(): Promise<UserManifest | undefined> {
  try {
    const res = await fetch(new URL('user/manifest.json', page), { cache: 'no-store' });
    // Served by anything but `gcam view` (a plain static server): no user files, the built-in model.
    if (!res.ok) return undefined;
    return (await res.json()) as UserManifest;
  } catch {
    return undefined;
  }
}

function useModel(m: LoadedModel): void {
  explanations = new Explanations(m);
  const form = initialForm(m, asked);
  asked = undefined;
  showModel(m);
  update({ model: m, preprocess: form, classIndex: undefined });
  updateSettings({ layer: m.defaultLayer, compareLayers: defaultCompareLayers(m) });
  if (m.warnings.length) showError(new Error(m.warnings.join(' ')));
}

/**
 * Replaces the model once the new one has loaded: until then, and for good when it fails, the old one stays. The old
 * explainer's runs finish first (onnxruntime-web is not asked to run two models at once); then it is released.
 */
async function replaceModel(open: () => Promise<LoadedModel>, what: string): Promise<void> {
  const old = explanations;
  clearError();
  busy(`Loading ${what}…`);
  loading = true;
  generation++;
  try {
    await old?.idle();
    const next = await open();
    explanations = undefined;
    await old?.release();
    useModel(next);
  } catch (e) {
    explanations ??= old;
    showError(e);
  } finally {
    loading = false;
    update({});
  }
}

function showModel(m: LoadedModel): void {
  const [n, c, h, w] = m.explainer.inputShape;
  const classes = m.explainer.numClasses;
  const out = { softmax: 'probabilities (Softmax)', sigmoid: 'independent probabilities (Sigmoid)', logits: 'logits' }[m.output];
  byId('model-name').textContent = m.name;
  byId('model-info').textContent =
    `${classes} classes${m.labels ? '' : ' (no labels: open a labels file)'}, ${m.explainer.layers.length} layers, ` +
    `input ${[n, c, h, w].join('×')}, outputs ${out}.`;
}

async function addImages(loaders: (() => Promise<ViewerImage[]>)[]): Promise<void> {
  const first = state.images.length;
  const added: ViewerImage[] = [];
  for (const [i, load] of loaders.entries()) {
    busy(`Reading image ${i + 1} of ${loaders.length}…`, i, loaders.length);
    try {
      added.push(...(await load()));
    } catch (e) {
      showError(e);
    }
  }
  if (added.length) update({ images: [...state.images, ...added], current: first, classIndex: undefined });
  else update({});
}

function mountControls(): void {
  mountFiles({
    model: (file) => void replaceModel(async () => openModel(new Uint8Array(await file.arrayBuffer()), file.name), file.name),
    images: (files) => void addImages(files.map((f) => () => imagesFromFile(f))),
    labels: (file) => void useLabels(file),
  });
  mountForm(
    () => state.model,
    (form) => void useForm(form),
    showError,
  );
  mountPickers((patch) => {
    clearError();
    updateSettings(patch);
  });
  mountClasses((index) => update({ classIndex: index }));
  mountGrid((cell) => updateSettings(state.settings.compare === 'layers' ? { layer: cell.layer } : { method: cell.method }));
  mountDownloads(() => shown, showError);

  const colormap = byId<HTMLSelectElement>('colormap');
  fill(
    colormap,
    COLORMAPS.map((c) => el('option', { value: c, textContent: c })),
  );
  colormap.addEventListener('change', () => updateSettings({ colormap: colormap.value }));
  const alpha = byId<HTMLInputElement>('alpha');
  alpha.addEventListener('input', () => updateSettings({ alpha: Number(alpha.value) }));
  const signed = byId<HTMLInputElement>('signed');
  signed.addEventListener('change', () => updateSettings({ signed: signed.checked }));
  const topK = byId<HTMLInputElement>('top-k');
  topK.addEventListener('change', () => update({ topK: Math.max(1, Math.floor(Number(topK.value)) || 5) }));

  byId('thumbs').addEventListener('click', (ev) => {
    const b = (ev.target as Element).closest<HTMLElement>('[data-image]');
    if (b) update({ current: Number(b.dataset.image), classIndex: undefined });
  });
  const canvas = byId<HTMLCanvasElement>('main-canvas');
  canvas.addEventListener('mousemove', (ev) => {
    if (!shown) return;
    const v = valueAt(shown.result, canvas, ev);
    byId('readout').textContent = `(${v.x}, ${v.y}) = ${v.value.toFixed(4)}`;
  });
  canvas.addEventListener('mouseleave', () => showPeakReadout());
}

/** A new size recompiles at that size (fully convolutional models); other fields only change the options. */
async function useForm(form: PreprocessForm): Promise<void> {
  const m = state.model;
  if (!m) return;
  clearError();
  if (!m.fixedSize && form.size !== m.size[0]) {
    // The new explainer starts from the form as it is, not from the preset's fields.
    const { resize, channelOrder, range, mean, std } = form;
    asked = {
      preset: form.preset === 'builtin' ? undefined : form.preset,
      overrides: { resize, channelOrder, range, mean, std },
    };
    return replaceModel(() => resized(m, form.size), `${m.name} at ${form.size}×${form.size}`);
  }
  update({ preprocess: form });
}

async function useLabels(file: File): Promise<void> {
  const m = state.model;
  if (!m) return showError(new Error('Open a model before its labels.'));
  try {
    const labels = parseLabels(await file.text(), `labels file '${file.name}'`);
    // The same explainer and sessions (labels only name the classes of the results); the kept maps name the old ones.
    clearError();
    const next = withLabels(m, labels);
    explanations = new Explanations(next);
    showModel(next);
    update({ model: next });
  } catch (e) {
    showError(e);
  }
}

const lookOf = (s: Settings): Look => ({ colormap: s.colormap, alpha: s.alpha, signed: s.signed });

/** The cells of the grid: the methods compared at the layer, or the layers compared with the method. */
function gridCells(s: Settings): Cell[] {
  if (s.compare === 'methods') return s.compareMethods.map((method) => ({ method, layer: s.layer }));
  if (s.compare === 'layers') return s.compareLayers.map((layer) => ({ method: s.method, layer }));
  return [];
}

function caption(cell: Cell, s: Settings, m: LoadedModel): string {
  const title = METHODS.find((x) => x.name === cell.method)?.title ?? cell.method;
  if (s.compare === 'layers') return usesLayer(cell.method) ? layerName(m, cell.layer) : `${title} (input)`;
  return title;
}

let formShown: PreprocessForm | undefined;

async function redraw(): Promise<void> {
  const gen = ++generation;
  const s = state;
  const m = s.model;
  showDisplayControls(s.settings);
  showThumbs();
  if (m) showPickers(s.settings, m);
  if (m && s.preprocess && formShown !== s.preprocess) {
    // Only a new form is written back: a redraw (the opacity slider…) must not undo a field being typed in.
    formShown = s.preprocess;
    showForm(s.preprocess, m);
  }
  const image = s.images[s.current];
  const canvas = byId<HTMLCanvasElement>('main-canvas');
  if (!m || !explanations || !image || !s.preprocess) {
    shown = undefined;
    enableDownloads(false);
    if (image) drawImage(canvas, image.display);
    byId('main-peak').hidden = true;
    if (!m) clearClasses();
    if (!loading)
      ready(
        !m ? 'Open or drop an ONNX model to start.' : 'Open or drop images (PNG, JPEG, WebP or .npy tensors) to explain them.',
      );
    return;
  }
  const ex = explanations;
  const look = lookOf(s.settings);
  const preprocess = explainPreprocess(s.preprocess, m);
  const request = (cell: Cell, classIndex: number | undefined): MapRequest => ({
    image,
    classIndex,
    cell,
    signed: s.settings.signed,
    preprocess,
  });
  const primary: Cell = { method: s.settings.method, layer: s.settings.layer };
  const cells = gridCells(s.settings);
  const todo = [primary, ...cells].filter((c) => !ex.has(request(c, s.classIndex))).length;
  let done = 0;
  const compute = async (cell: Cell, classIndex: number | undefined): Promise<ExplainResult> => {
    const req = request(cell, classIndex);
    if (ex.has(req)) return ex.get(req);
    const title = METHODS.find((x) => x.name === cell.method)?.title ?? cell.method;
    const where = usesLayer(cell.method) ? ` at ${layerName(m, cell.layer)}` : '';
    busy(`Computing ${title}${where}… (${done + 1}/${todo}; the first map of a layer compiles its explain model)`, done, todo);
    const r = await ex.get(req, (d, t) => busy(`Running ${title}${where}…`, done + d / t, todo));
    done++;
    return r;
  };
  try {
    if (!shown || shown.image !== image) drawImage(canvas, image.display);
    const r = await compute(primary, s.classIndex);
    if (gen !== generation) return;
    // The predicted class is the one explained until another is picked; set without a redraw of its own.
    if (s.classIndex === undefined) s.classIndex = r.classIndex;
    showMain(r, image, m, look);
    showClasses(ranked(r, m), r.classIndex, s.topK, m);
    const grid: GridCell[] = cells.map((cell) => ({
      cell,
      caption: caption(cell, s.settings, m),
      current: cell.method === primary.method && cell.layer === primary.layer,
    }));
    showGrid(grid, image.display, look);
    for (const g of grid) {
      try {
        g.result = await compute(g.cell, r.classIndex);
      } catch (e) {
        // One method that cannot run at this layer should not hide the others: its cell says why.
        g.error = e instanceof Error ? e.message : String(e);
      }
      if (gen !== generation) return;
      showGrid(grid, image.display, look);
    }
    const score = ranked(r, m).find((c) => c.index === r.classIndex);
    ready(
      `${r.label ?? `class ${r.classIndex}`} ${score ? `${(score.probability * 100).toFixed(1)}%` : ''} · ` +
        `${METHODS.find((x) => x.name === r.method)?.title} ${r.layer === 'input' ? 'on the input' : `at ${layerName(m, r.layer)}`}`,
    );
  } catch (e) {
    if (gen !== generation) return;
    shown = undefined;
    enableDownloads(false);
    byId('main-peak').hidden = true;
    showError(e);
  }
}

function showMain(r: ExplainResult, image: ViewerImage, m: LoadedModel, look: Look): void {
  const canvas = byId<HTMLCanvasElement>('main-canvas');
  drawOverlay(canvas, image.display, r, look);
  placePeak(byId('main-peak'), r);
  shown = {
    result: r,
    image,
    model: m,
    look,
    layerName: layerName(m, r.layer),
    preprocess: image.tensor ? undefined : state.preprocess,
  };
  enableDownloads(true);
  const layer = r.layer === 'input' ? 'the input' : layerName(m, r.layer);
  byId('caption').textContent =
    `${image.name} · ${r.label ?? `class ${r.classIndex}`} (score ${r.score.toFixed(3)}) · ${r.method} at ${layer}` +
    (r.constant ? ' · constant map (no signal at this layer)' : '');
  showPeakReadout();
}

function showPeakReadout(): void {
  if (!shown) return;
  const p = peak(shown.result);
  byId('readout').textContent = `peak (${p.x}, ${p.y}) = ${p.value.toFixed(4)}; hover the image for the value under the cursor`;
}

function showDisplayControls(s: Settings): void {
  byId<HTMLSelectElement>('colormap').value = s.colormap;
  byId<HTMLInputElement>('alpha').value = String(s.alpha);
  byId('alpha-value').textContent = `${Math.round(s.alpha * 100)}%`;
  byId<HTMLInputElement>('signed').checked = s.signed;
  byId<HTMLInputElement>('top-k').value = String(state.topK);
}

/** The thumbnails are rebuilt only when the image list changes. */
let thumbsOf: ViewerImage[] = [];
function showThumbs(): void {
  const list = byId('thumbs');
  if (thumbsOf !== state.images) {
    thumbsOf = state.images;
    fill(
      list,
      state.images.map((img, i) => {
        const c = el('canvas');
        drawImage(c, img.display, 96);
        return el(
          'button',
          { type: 'button', className: 'thumb', title: img.name, dataset: { image: String(i) } },
          c,
          el('span', { textContent: img.name }),
        );
      }),
    );
  }
  list.hidden = state.images.length < 2;
  list.querySelectorAll<HTMLElement>('[data-image]').forEach((b) => {
    b.setAttribute('aria-pressed', String(Number(b.dataset.image) === state.current));
  });
}

if (typeof document !== 'undefined') void start();
