/**
 * What the test pages do, shared by both page entries: each entry supplies how it makes an ImageExplainer (the core
 * entry with a page-built platform, or the web entry), and this exposes the calls the Node side makes through
 * page.evaluate. Typed arrays cross the page boundary as they are (playwright serialises them).
 */
import {
  prepareImage,
  type ExplainResult,
  type ImageExplainer,
  type MethodName,
  type PreprocessSpec,
  type RawImage,
} from '../../src/index.js';
import { decodeImage, encodePng } from '../../src/image/io-web.js';

/** An image as the page gets it: pixels sent from Node, PNG bytes fetched by the page, or a URL given to explain. */
export type PageImage = { raw: RawImage } | { bytesAt: string } | { url: string };

export interface MapsRequest {
  images: PageImage[];
  methods: MethodName[];
  preprocess: PreprocessSpec;
}

export interface PageMap {
  method: MethodName;
  image: number;
  classIndex: number;
  score: number;
  map: Float32Array;
  layerMap: Float32Array;
}

export interface GcamPage {
  /** Which entry built the explainer, and whether the page is cross-origin isolated (COOP/COEP served). */
  describe(): { entry: string; crossOriginIsolated: boolean };
  maps(request: MapsRequest): Promise<PageMap[]>;
  decode(url: string): Promise<RawImage>;
  /** The image encoded by the page as PNG. */
  png(img: RawImage): Promise<Uint8Array>;
  /** The model input of the image at url, decoded in the page and preprocessed by the core. */
  tensor(url: string, spec: PreprocessSpec, channels: number): Promise<Float32Array>;
}

/** The part of a result the Node side compares (the Node reference uses it too). */
export function pageMap(method: MethodName, r: ExplainResult): PageMap {
  return { method, image: r.image, classIndex: r.classIndex, score: r.score, map: r.map, layerMap: r.layerMap };
}

declare global {
  var gcamPage: GcamPage;
}

export function exposePage(entry: string, createExplainer: () => Promise<ImageExplainer>): void {
  globalThis.gcamPage = {
    describe: () => ({ entry, crossOriginIsolated }),
    async maps({ images, methods, preprocess }) {
      const sources = await Promise.all(images.map(toSource));
      const ex = await createExplainer();
      try {
        const out: PageMap[] = [];
        for (const method of methods)
          for (const r of await ex.explain(sources, { method, preprocess })) out.push(pageMap(method, r));
        return out;
      } finally {
        await ex.release();
      }
    },
    decode: (url) => decodeImage(url),
    png: async (img) => new Uint8Array(await (await encodePng(img)).arrayBuffer()),
    async tensor(url, spec, channels) {
      return prepareImage(await decodeImage(url), spec, channels).tensor;
    },
  };
}

async function toSource(img: PageImage): Promise<RawImage | Uint8Array | string> {
  if ('raw' in img) return img.raw;
  if ('url' in img) return img.url;
  return new Uint8Array(await (await fetch(img.bytesAt)).arrayBuffer());
}
