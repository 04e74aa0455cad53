/**
 * Files into the page: the Open model / Add images / Labels pickers, and files dropped anywhere on the page, sorted
 * by kind (an .onnx is the model, .json/.txt labels, everything else an image or a .npy tensor). Files are read in
 * the page only.
 */
import { byId } from './dom.js';

export interface FileHandlers {
  model(file: File): void;
  images(files: File[]): void;
  labels(file: File): void;
}

export function kindOf(file: File): 'model' | 'labels' | 'image' {
  if (/\.onnx$/i.test(file.name)) return 'model';
  if (/\.(json|txt)$/i.test(file.name)) return 'labels';
  return 'image';
}

export function route(files: readonly File[], h: FileHandlers): void {
  const model = files.find((f) => kindOf(f) === 'model');
  const labels = files.find((f) => kindOf(f) === 'labels');
  const images = files.filter((f) => kindOf(f) === 'image');
  if (model) h.model(model);
  if (labels) h.labels(labels);
  if (images.length) h.images(images);
}

export function mountFiles(h: FileHandlers): void {
  const picker = (id: string, use: (files: File[]) => void) => {
    const input = byId<HTMLInputElement>(id);
    input.addEventListener('change', () => {
      const files = [...(input.files ?? [])];
      // Cleared so that picking the same file again still fires a change.
      input.value = '';
      if (files.length) use(files);
    });
  };
  picker('model-file', (f) => h.model(f[0]));
  picker('image-files', (f) => route(f, h));
  picker('labels-file', (f) => h.labels(f[0]));

  const zone = byId('dropzone');
  let depth = 0;
  const hasFiles = (ev: DragEvent) => ev.dataTransfer?.types.includes('Files') ?? false;
  window.addEventListener('dragenter', (ev) => {
    if (!hasFiles(ev)) return;
    depth++;
    zone.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    if (--depth <= 0) {
      depth = 0;
      zone.hidden = true;
    }
  });
  // Without preventDefault on dragover the browser would open the dropped file itself, leaving the page.
  window.addEventListener('dragover', (ev) => {
    if (hasFiles(ev)) ev.preventDefault();
  });
  window.addEventListener('drop', (ev) => {
    ev.preventDefault();
    depth = 0;
    zone.hidden = true;
    const files = [...(ev.dataTransfer?.files ?? [])];
    if (files.length) route(files, h);
  });
}
