/**
 * DICOM reading (src/image/dicom.ts, platform-free) against files written by pydicom in tools/gen_xray_fixtures.py
 * (test/fixtures/xray): the modality values of every transfer syntax, bit depth, sign and photometric against
 * pydicom's pixel_array + apply_modality_lut in float64 (for the files with garbage above BitsStored, the stored
 * values masked as PS3.5 §8 says, which pydicom 2.3 does not do), the display window against pydicom's
 * apply_voi_lut, a frame of a multi-frame file, and the typed errors: several frames without one chosen, a frame out
 * of range, JPEG and RLE transfer syntaxes named, no pixel data, a truncated file, bytes that are not DICOM.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DicomReadError, displayImage, isDicom, readDicom } from '../src/index.js';
import { buildDicom } from '../tools/fuzz/gen-dicom.js';
import { assertClose } from './helpers/compare.js';

const DIR = fileURLToPath(new URL('./fixtures/xray/', import.meta.url));
const bytes = (name: string) => new Uint8Array(readFileSync(DIR + name));
interface Arr {
  dims: number[];
  data: number[];
}
const refs = JSON.parse(readFileSync(DIR + 'dicom.json', 'utf8')) as {
  file: string;
  width: number;
  height: number;
  channels: number;
  photometric: string;
  values?: Arr;
  frames?: Arr[];
  window?: [number, number];
  display?: Arr;
}[];

const what: Record<string, string> = {
  'ct.dcm': 'explicit VR LE, signed 16-bit CT, intercept −1024 (HU)',
  'implicit12.dcm': 'implicit VR LE, 12 of 16 bits unsigned with garbage above, slope 0.5',
  'bigendian.dcm': 'explicit VR big endian, 12 of 16 bits signed, slope 2',
  'mono1.dcm': 'MONOCHROME1 CR, 10 of 16 bits',
  'u8.dcm': '8 bits unsigned',
  's8.dcm': '8 bits signed, slope 1.5',
  'rgb.dcm': 'RGB, planar configuration 1',
  'deflated.dcm': 'deflated explicit VR LE',
  'bare.dcm': 'no preamble or meta header (bare implicit VR LE data set)',
};

function rejects(run: () => unknown, reason: DicomReadError['reason'], pattern: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof DicomReadError, `a DicomReadError, got ${String(e)}`);
    assert.equal(e.reason, reason);
    assert.equal(e.code, 'IMAGE_READ');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('DICOM images', () => {
  for (const ref of refs.filter((r) => r.values))
    it(`${ref.file} (${what[ref.file]}): modality values as pydicom's, display as its VOI LUT`, () => {
      const img = readDicom(bytes(ref.file), `'${ref.file}'`, undefined, ref.file === 'bare.dcm');
      assert.deepEqual([img.width, img.height, img.channels], [ref.width, ref.height, ref.channels]);
      assert.equal(img.fullScale, undefined, 'modality values have no full scale');
      assert.equal(img.inverted === true, ref.photometric === 'MONOCHROME1');
      // Exact: every value here (integers times slopes 0.5, 1.5, 2, plus integers) is a float32.
      assertClose(img.samples, ref.values!.data, 0, `${ref.file} values`);
      if (ref.window) {
        assert.deepEqual([img.window?.center, img.window?.width], ref.window);
        const shown = displayImage({ ...img, inverted: false });
        assertClose(
          Array.from(shown.data, (v) => v / 255),
          ref.display!.data,
          0.5 / 255 + 1e-9,
          `${ref.file} display`,
        );
      } else assert.equal(img.window, undefined);
    });

  it('a multi-frame file needs a frame (NumberOfFrames named); each frame is its own; one out of range is refused', () => {
    const ref = refs.find((r) => r.file === 'frames3.dcm')!;
    rejects(() => readDicom(bytes('frames3.dcm'), "'frames3.dcm'"), 'multi-frame', /NumberOfFrames 3.*--frame T \(0 to 2/);
    for (const t of [0, 2]) assertClose(readDicom(bytes('frames3.dcm'), 'f', t).samples, ref.frames![t].data, 0, `frame ${t}`);
    rejects(
      () => readDicom(bytes('frames3.dcm'), "'frames3.dcm'", 3),
      'frame',
      /3 frame\(s\) \(0 to 2\); frame 3 does not exist/,
    );
    // A single-frame file has frame 0 only.
    rejects(() => readDicom(bytes('ct.dcm'), "'ct.dcm'", 1), 'frame', /frame 1 does not exist/);
  });

  it('compressed transfer syntaxes are refused with their UID and how to decompress', () => {
    rejects(
      () => readDicom(bytes('jpeg.dcm'), "'jpeg.dcm'"),
      'compressed',
      /1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline\).*gdcmconv --raw/,
    );
    rejects(() => readDicom(bytes('rle.dcm'), "'rle.dcm'"), 'compressed', /1\.2\.840\.10008\.1\.2\.5 \(RLE Lossless\).*dcmdrle/);
  });

  it('no pixel data, a truncated file and bytes that are not DICOM are refused by name', () => {
    rejects(
      () => readDicom(bytes('nopixels.dcm'), "'nopixels.dcm'"),
      'no-pixel-data',
      /'nopixels\.dcm' holds no pixel data \(7FE0,0010\).*SR/,
    );
    rejects(() => readDicom(bytes('truncated.dcm'), "'truncated.dcm'"), 'truncated', /'truncated\.dcm' is cut short/);
    // Cut inside the header instead: the parser runs out of bytes.
    rejects(() => readDicom(bytes('ct.dcm').subarray(0, 300), "'head.dcm'"), 'truncated', /'head\.dcm' is cut short/);
    rejects(() => readDicom(bytes('ramp16.png'), "'ramp16.png'"), 'malformed', /no 'DICM' marker/);
    assert.equal(isDicom(bytes('ct.dcm')), true);
    assert.equal(isDicom(bytes('bare.dcm')), false);
  });

  it('an element whose length reaches past the end is refused as cut short, not thrown as a parser string', () => {
    // dicom-parser accepts it and throws a string only when the value is read (fuzz case dicom-1-259).
    const long = buildDicom({
      part10: true,
      syntax: '1.2.840.10008.1.2',
      elements: [
        { tag: '00080060', vr: 'CS', value: { str: 'MR' }, length: 65534 },
        { tag: '00280010', vr: 'US', value: { us: [2] } },
        { tag: '00280011', vr: 'US', value: { us: [2] } },
        { tag: '00280100', vr: 'US', value: { us: [8] } },
        { tag: '7FE00010', vr: 'OB', value: { bytes: 4, seed: 1 } },
      ],
    });
    rejects(() => readDicom(long, "'long.dcm'"), 'truncated', /'long\.dcm' is cut short \(.*past end.*\); copy or download/);
  });
});
