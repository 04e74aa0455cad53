/**
 * Page of the core-entry case: only the platform-free entry (src/index.ts), with a platform this page builds itself
 * from onnxruntime-web and the browser image decoder, as an application with its own platform would.
 */
import * as ort from 'onnxruntime-web';
import { createImageExplainer, createOrtRuntime, type OrtModule, type Platform } from '../../src/index.js';
import { decodeImage } from '../../src/image/io-web.js';
import { exposePage } from './cases.js';

const platform: Platform = {
  runtime: createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-web', { executionProviders: ['wasm'] }),
  decodeImage,
};

exposePage('core', async () => {
  const bytes = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer());
  return createImageExplainer(bytes, { platform });
});
