/** gcam/web's default execution providers: WebGPU only with a hardware adapter, wasm otherwise (src/web.ts). */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { defaultProviders } from '../src/web.js';

const original = Object.getOwnPropertyDescriptor(globalThis, 'navigator');

/** Puts a navigator with the given gpu on globalThis (Node 20 has none). */
function withGpu(gpu: unknown): void {
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

describe('default execution providers', () => {
  afterEach(() => {
    if (original) Object.defineProperty(globalThis, 'navigator', original);
    else delete (globalThis as { navigator?: unknown }).navigator;
  });

  it('no navigator.gpu: wasm', async () => {
    withGpu(undefined);
    assert.deepEqual(await defaultProviders(), ['wasm']);
  });

  it('a hardware adapter: WebGPU first, wasm for the rest', async () => {
    withGpu({ requestAdapter: async () => ({ info: { isFallbackAdapter: false } }) });
    assert.deepEqual(await defaultProviders(), ['webgpu', 'wasm']);
  });

  it('a software fallback adapter (either spelling), no adapter, or a failing request: wasm', async () => {
    for (const requestAdapter of [
      async () => ({ isFallbackAdapter: true }),
      async () => ({ info: { isFallbackAdapter: true } }),
      async () => null,
      async () => {
        throw new Error('blocked');
      },
    ]) {
      withGpu({ requestAdapter });
      assert.deepEqual(await defaultProviders(), ['wasm'], String(requestAdapter));
    }
  });
});
