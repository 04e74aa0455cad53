/**
 * DICOM in gcam/web (run under Node: onnxruntime-web's wasm, one thread, no DOM needed for DICOM): the core reads DICOM
 * bytes itself, and the web entry's decodeImageSamples sniffs the 'DICM' marker in Blobs/Files (or a .dcm name), so
 * a page's DICOM file gives the same model input and Grad-CAM map as the Node entry reading the path.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ortWeb from 'onnxruntime-web';
import { createImageExplainer as nodeExplainer } from '../src/node.js';
import { createImageExplainer as webExplainer, decodeImageSamples } from '../src/web.js';
import { assertClose } from './helpers/compare.js';

ortWeb.env.wasm.numThreads = 1;

const DIR = fileURLToPath(new URL('./fixtures/xray/', import.meta.url));
const bytes = (name: string) => new Uint8Array(readFileSync(DIR + name));
const OPTIONS = { layers: ['layer2'], intensity: 'ct:40,400' };

describe('DICOM in gcam/web', () => {
  it('DICOM bytes and a DICOM File give the Node entry’s model input and map (within 1e-6)', async () => {
    const node = await nodeExplainer(DIR + 'xray.onnx');
    const [expected] = await node.explain([DIR + 'ct.dcm'], OPTIONS);
    await node.release();
    const web = await webExplainer(bytes('xray.onnx'));
    try {
      const file = new File([bytes('ct.dcm')], 'ct.dcm');
      const results = await web.explain([bytes('ct.dcm'), file], OPTIONS);
      assert.equal(results.length, 2);
      for (const r of results) {
        assert.equal(r.classIndex, expected.classIndex);
        assertClose(r.map, expected.map, 1e-6, `${r.source} map`);
      }
      assert.equal(results[1].source, 'ct.dcm', 'a File is named by its name');
    } finally {
      await web.release();
    }
  });

  it('decodeImageSamples: a Blob with the DICM marker, a bare .dcm File; a compressed one is refused by UID', async () => {
    const ct = await decodeImageSamples(new Blob([bytes('ct.dcm')]));
    assert.ok('samples' in ct && ct.width === 32 && ct.height === 24);
    const bare = await decodeImageSamples(new File([bytes('bare.dcm')], 'bare.dcm'));
    assert.ok('samples' in bare);
    const refs = JSON.parse(readFileSync(DIR + 'dicom.json', 'utf8')) as { file: string; values: { data: number[] } }[];
    assertClose(bare.samples, refs.find((r) => r.file === 'bare.dcm')!.values.data, 0, 'the bare data set, as pydicom reads it');
    await assert.rejects(
      decodeImageSamples(new File([bytes('rle.dcm')], 'rle.dcm')),
      /1\.2\.840\.10008\.1\.2\.5 \(RLE Lossless\)/,
    );
  });
});
