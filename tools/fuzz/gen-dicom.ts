/**
 * DICOM cases: PS3.10 files (preamble, 'DICM', a file meta group) or bare data sets, written by hand element by
 * element so every field can lie: implicit / explicit VR little endian, explicit big endian, deflated and compressed
 * transfer syntaxes; image attributes that do not fit each other or the pixel data; rescale strings that are no
 * finite numbers; frames that do not exist; nested sequences of undefined length; lengths past the end; truncation
 * at every stage. Explained by `gcam explain x.dcm` with the built-in model or the fixture X-ray model.
 */
import { deflateRawSync } from 'node:zlib';
import { Rng, seededBytes } from './rng.js';
import type { CliCase, DicomElement, DicomSpec, FileRecipe } from './types.js';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const COMPRESSED = ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.5'];

const PIXEL_DATA = '7FE00010';

/** VRs whose explicit form has 2 reserved bytes and a 4-byte length (PS3.5 §7.1.2). */
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UT', 'UN', 'UC', 'UR', 'SV', 'UV']);

const UNDEFINED = 0xffffffff;

// ---------------------------------------------------------------------------------------------------------------
// Writing a recipe's elements.

class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;
  constructor(
    private readonly little: boolean,
    private readonly explicit: boolean,
  ) {}

  bytes(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v & 0xffff, this.little);
    this.bytes(b);
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, this.little);
    this.bytes(b);
  }
  tag(tag: string): void {
    this.u16(parseInt(tag.slice(0, 4), 16));
    this.u16(parseInt(tag.slice(4, 8), 16));
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /** The value bytes of an element (sequences and fragments with their items and delimiters). */
  value(e: DicomElement): { bytes: Uint8Array; undefinedLength: boolean } {
    const v = e.value;
    const sub = () => new Writer(this.little, this.explicit);
    if ('str' in v) {
      let s = v.str;
      if (!v.odd && s.length % 2) s += e.vr === 'UI' ? '\0' : ' ';
      return { bytes: Uint8Array.from(s, (c) => c.charCodeAt(0) & 255), undefinedLength: false };
    }
    if ('us' in v || 'ul' in v) {
      const w = sub();
      if ('us' in v) v.us.forEach((x) => w.u16(x));
      else v.ul.forEach((x) => w.u32(x));
      return { bytes: w.done(), undefinedLength: false };
    }
    if ('bytes' in v) return { bytes: seededBytes(v.seed, v.bytes), undefinedLength: false };
    const w = sub();
    if ('fragments' in v) {
      // Encapsulated pixel data (PS3.5 A.4): an empty basic offset table, the fragments, a sequence delimiter.
      w.tag('FFFEE000');
      w.u32(0);
      for (let k = 0; k < v.fragments; k++) {
        w.tag('FFFEE000');
        w.u32(16);
        w.bytes(seededBytes(v.seed + k, 16));
      }
      w.tag('FFFEE0DD');
      w.u32(0);
      return { bytes: w.done(), undefinedLength: true };
    }
    for (const item of v.items) {
      const body = sub();
      for (const x of item) body.element(x);
      w.tag('FFFEE000');
      w.u32(v.undefinedLength ? UNDEFINED : body.length);
      w.bytes(body.done());
      if (v.undefinedLength) {
        w.tag('FFFEE00D');
        w.u32(0);
      }
    }
    if (v.undefinedLength) {
      w.tag('FFFEE0DD');
      w.u32(0);
    }
    return { bytes: w.done(), undefinedLength: !!v.undefinedLength };
  }

  element(e: DicomElement): void {
    const { bytes, undefinedLength } = this.value(e);
    const length = e.length ?? (undefinedLength ? UNDEFINED : bytes.length);
    this.tag(e.tag);
    if (!this.explicit) this.u32(length);
    else {
      this.bytes(Uint8Array.from(e.vr.padEnd(2, ' ').slice(0, 2), (c) => c.charCodeAt(0)));
      if (LONG_VRS.has(e.vr)) {
        this.u16(0);
        this.u32(length);
      } else this.u16(length);
    }
    this.bytes(bytes);
  }
}

function metaGroup(spec: DicomSpec): Uint8Array {
  const body = new Writer(true, true);
  const ui = (tag: string, str: string): DicomElement => ({ tag, vr: 'UI', value: { str } });
  body.element({ tag: '00020001', vr: 'OB', value: { us: [0x0100] } });
  body.element(ui('00020002', '1.2.840.10008.5.1.4.1.1.7'));
  body.element(ui('00020003', '1.2.826.0.1.3680043.8.498.1'));
  body.element(ui('00020010', spec.syntax));
  const w = new Writer(true, true);
  if (spec.groupLength !== 'omit') w.element({ tag: '00020000', vr: 'UL', value: { ul: [spec.groupLength ?? body.length] } });
  w.bytes(body.done());
  return w.done();
}

export function buildDicom(spec: DicomSpec): Uint8Array {
  const syntax = spec.part10 ? spec.syntax : IMPLICIT_LE;
  const ds = new Writer(syntax !== EXPLICIT_BE, syntax !== IMPLICIT_LE);
  for (const e of spec.elements) ds.element(e);
  let data = ds.done();
  if (spec.part10 && syntax === DEFLATED_LE) data = deflateRawSync(data);
  const w = new Writer(true, true);
  if (spec.part10) {
    w.bytes(new Uint8Array(128));
    w.bytes(Uint8Array.from('DICM', (c) => c.charCodeAt(0)));
    if (spec.junkAfterMagic) w.bytes(seededBytes(spec.junkAfterMagic.seed, spec.junkAfterMagic.length));
    else w.bytes(metaGroup(spec));
  }
  if (!spec.junkAfterMagic) w.bytes(data);
  if (spec.trailing) w.bytes(seededBytes(spec.trailing, spec.trailing));
  const out = w.done();
  return spec.truncateTo !== undefined ? out.subarray(0, spec.truncateTo) : out;
}

// ---------------------------------------------------------------------------------------------------------------
// A valid image, then lies.

interface Image {
  rows: number;
  columns: number;
  bitsAllocated: number;
  samples: number;
  frames: number;
}

const us = (tag: string, v: number): DicomElement => ({ tag, vr: 'US', value: { us: [v] } });
const str = (tag: string, vr: string, s: string): DicomElement => ({ tag, vr, value: { str: s } });

function pixelBytes(im: Image): number {
  return im.rows * im.columns * im.samples * im.frames * (im.bitsAllocated / 8);
}

function validImage(rng: Rng): { im: Image; elements: DicomElement[] } {
  const rgb = rng.chance(0.15);
  const bitsAllocated = rgb ? 8 : rng.pick([8, 16, 16]);
  const bitsStored = bitsAllocated === 8 ? 8 : rng.pick([10, 12, 16]);
  const size = rng.weighted<[number, number]>([
    [8, [rng.int(4, 48), rng.int(4, 48)]],
    [
      1,
      rng.pick<[number, number]>([
        [1, 1],
        [1, 5000],
        [3000, 2],
      ]),
    ],
    [1, [rng.pick([512, 1024]), rng.pick([512, 1024])]],
  ]);
  const frames = rng.weighted([
    [6, 1],
    [2, rng.int(2, 3)],
  ]);
  const im: Image = { rows: size[0], columns: size[1], bitsAllocated, samples: rgb ? 3 : 1, frames };
  const elements: DicomElement[] = [
    str('00080060', 'CS', rng.pick(['CT', 'DX', 'CR', 'MR'])),
    us('00280002', im.samples),
    str('00280004', 'CS', rgb ? 'RGB' : rng.pick(['MONOCHROME2', 'MONOCHROME2', 'MONOCHROME1'])),
  ];
  if (rgb) elements.push(us('00280006', rng.pick([0, 1])));
  if (frames > 1 || rng.chance(0.2)) elements.push(str('00280008', 'IS', String(frames)));
  elements.push(
    us('00280010', im.rows),
    us('00280011', im.columns),
    us('00280100', bitsAllocated),
    us('00280101', bitsStored),
    us('00280102', bitsStored - 1),
    us('00280103', bitsAllocated === 16 && rng.chance(0.4) ? 1 : 0),
  );
  if (rng.chance(0.4)) elements.push(str('00281050', 'DS', '40'), str('00281051', 'DS', '400'));
  if (rng.chance(0.6))
    elements.push(str('00281052', 'DS', rng.pick(['-1024', '0', '-1024.5'])), str('00281053', 'DS', rng.pick(['1', '0.5', '2'])));
  elements.push({
    tag: PIXEL_DATA,
    vr: bitsAllocated === 8 ? 'OB' : 'OW',
    value: { bytes: pixelBytes(im), seed: rng.seed(), bytesPer: bitsAllocated === 8 ? 1 : 2 },
  });
  return { im, elements };
}

/** A valid 24×20 16-bit MONOCHROME2 frame: the second input of a batch, which must still be explained. */
function okImage(seed: number): DicomElement[] {
  return [
    us('00280002', 1),
    str('00280004', 'CS', 'MONOCHROME2'),
    us('00280010', 20),
    us('00280011', 24),
    us('00280100', 16),
    us('00280101', 12),
    us('00280102', 11),
    us('00280103', 0),
    { tag: PIXEL_DATA, vr: 'OW', value: { bytes: 20 * 24 * 2, seed } },
  ];
}

/** Sets (or adds, in tag order) an element. */
function put(elements: DicomElement[], e: DicomElement): void {
  const i = elements.findIndex((x) => x.tag === e.tag);
  if (i >= 0) elements[i] = e;
  else {
    const at = elements.findIndex((x) => x.tag > e.tag);
    elements.splice(at < 0 ? elements.length : at, 0, e);
  }
}

function pixelElement(elements: DicomElement[]): DicomElement | undefined {
  return elements.find((e) => e.tag === PIXEL_DATA);
}

/** A chain of `depth` sequences, each the only element of its one item, of undefined lengths (or defined ones). */
function nestedSequence(depth: number, undefinedLength: boolean): DicomElement {
  let e: DicomElement = str('00081150', 'UI', '1.2.3');
  for (let k = 0; k < depth; k++) e = { tag: '00081140', vr: 'SQ', value: { items: [[e]], undefinedLength } };
  return e;
}

type Lie = (spec: DicomSpec, im: Image, rng: Rng, extra: { frame?: string }) => string;

const LIES: [number, Lie][] = [
  [
    2,
    (spec, im, rng) => {
      const tag = rng.pick(['00280010', '00280011']);
      const v = rng.pick([0, 1, 65535]);
      put(spec.elements, us(tag, v));
      return `${tag === '00280010' ? 'Rows' : 'Columns'} ${v}`;
    },
  ],
  [
    2,
    (spec, im, rng) => {
      const which = rng.pick(['stored', 'allocated', 'high'] as const);
      if (which === 'stored') {
        const v = im.bitsAllocated + rng.pick([1, 8, 100]);
        put(spec.elements, us('00280101', v));
        return `BitsStored ${v} > BitsAllocated ${im.bitsAllocated}`;
      }
      if (which === 'high') {
        const v = rng.pick([0, 31, 65535]);
        put(spec.elements, us('00280102', v));
        return `HighBit ${v}`;
      }
      const v = rng.pick([0, 1, 12, 32, 64]);
      put(spec.elements, us('00280100', v));
      return `BitsAllocated ${v}`;
    },
  ],
  [
    1,
    (spec, im, rng) => {
      const v = rng.pick([0, 2, 4, 3, 65535]);
      const p = rng.pick(['MONOCHROME2', 'PALETTE COLOR', 'YBR_FULL', '', 'rgb', 'MONOCHROME3']);
      put(spec.elements, us('00280002', v));
      put(spec.elements, str('00280004', 'CS', p));
      return `SamplesPerPixel ${v}, PhotometricInterpretation '${p}'`;
    },
  ],
  [
    1,
    (spec, im, rng) => {
      put(spec.elements, us('00280103', 1));
      put(spec.elements, us('00280101', rng.pick([1, 2])));
      put(spec.elements, us('00280102', 0));
      return 'signed with BitsStored 1–2';
    },
  ],
  [
    3,
    (spec, im, rng) => {
      const tag = rng.pick(['00281053', '00281052', '00281050', '00281051']);
      const v = rng.pick(['NaN', 'Infinity', '-Infinity', '1e309', '-1e38', '1e38', '0', 'abc', '', '1\\2', '0x10', '  ']);
      put(spec.elements, str(tag, 'DS', v));
      return `(${tag.slice(0, 4)},${tag.slice(4)}) '${v}'`;
    },
  ],
  [
    2,
    (spec, im, rng, extra) => {
      if (rng.chance(0.5)) {
        const v = rng.pick(['0', '-1', '1e9', '2.5', 'abc', '65536', '', String(im.frames + 2), '2147483648']);
        put(spec.elements, str('00280008', 'IS', v));
        return `NumberOfFrames '${v}'`;
      }
      extra.frame = rng.pick(['-1', String(im.frames), '99', '1.5', 'x', '', '1e3', '2147483648']);
      return `--frame ${extra.frame}`;
    },
  ],
  [
    1,
    (spec) => {
      spec.elements = spec.elements.filter((e) => e.tag !== PIXEL_DATA);
      return 'no PixelData';
    },
  ],
  [
    3,
    (spec, im, rng) => {
      const px = pixelElement(spec.elements);
      if (!px || !('bytes' in px.value)) return 'pixel data as it is';
      const honest = px.value.bytes;
      const how = rng.pick(['short', 'long', 'odd', 'length-past-end', 'length-short', 'undefined-length'] as const);
      if (how === 'short') px.value = { ...px.value, bytes: Math.floor(honest / rng.pick([2, 4, 1000])) };
      else if (how === 'long') px.value = { ...px.value, bytes: honest + rng.pick([1, 100, 65536]) };
      else if (how === 'odd') px.value = { ...px.value, bytes: Math.max(1, honest - 1) };
      else if (how === 'length-past-end') px.length = rng.pick([honest + 2, honest + 10000, 0x7ffffffe, 0xfffffff0]);
      else if (how === 'length-short') px.length = rng.pick([0, 2, Math.floor(honest / 2) & ~1]);
      else px.length = UNDEFINED;
      return `pixel data ${how} (${honest} B needed)`;
    },
  ],
  [
    1,
    (spec, im, rng) => {
      const e = rng.pick(spec.elements.filter((x) => x.tag !== PIXEL_DATA));
      e.length = rng.pick([0xffff, 0xfffe, 1, 3, 0x7fffffff]);
      return `(${e.tag.slice(0, 4)},${e.tag.slice(4)}) length ${e.length}`;
    },
  ],
  [
    1,
    (spec, im, rng) => {
      const e = rng.pick(spec.elements.filter((x) => 'str' in x.value));
      if ('str' in e.value) e.value = { str: e.value.str.length % 2 ? e.value.str : `${e.value.str}7`, odd: true };
      return `(${e.tag.slice(0, 4)},${e.tag.slice(4)}) odd length`;
    },
  ],
  [
    2,
    (spec, im, rng) => {
      const depth = rng.pick([1, 3, 64, 2000]);
      const undefinedLength = rng.chance(0.7);
      put(spec.elements, nestedSequence(depth, undefinedLength));
      return `${depth} nested sequences${undefinedLength ? ' of undefined length' : ''}`;
    },
  ],
  [
    1,
    (spec) => {
      put(spec.elements, { tag: '00283000', vr: 'SQ', value: { items: [[str('00283002', 'US', '')]], undefinedLength: true } });
      return 'a Modality LUT Sequence';
    },
  ],
  [
    2,
    (spec, im, rng) => {
      const full = buildDicom(spec).length;
      spec.truncateTo = rng.pick([0, 64, 128, 131, 132, 136, 150, 200, 300, Math.floor(full / 2), full - 1, full - 3]);
      return `truncated to ${spec.truncateTo} of ${full} B`;
    },
  ],
  [
    1,
    (spec, im, rng) => {
      if (!spec.part10) return 'bare';
      spec.junkAfterMagic = { seed: rng.seed(), length: rng.pick([4, 100, 3000]) };
      return `${spec.junkAfterMagic.length} random bytes after DICM`;
    },
  ],
  [
    1,
    (spec, im, rng) => {
      spec.groupLength = rng.pick([0, 1, 4, 10000, UNDEFINED, 'omit'] as const);
      return `group length ${spec.groupLength}`;
    },
  ],
  [
    2,
    (spec, im, rng) => {
      spec.syntax = rng.pick([...COMPRESSED, '1.2.3.4', '', '1.2.840.10008.1.2.1 ', '1.2.840.10008.1.2.4.100']);
      const px = pixelElement(spec.elements);
      if (px && rng.chance(0.5)) px.value = { fragments: rng.int(0, 3), seed: rng.seed() };
      return `transfer syntax '${spec.syntax}'${px && 'fragments' in px.value ? ', encapsulated' : ''}`;
    },
  ],
  [
    1,
    (spec, im, rng) => {
      const px = pixelElement(spec.elements);
      if (px) px.value = { fragments: rng.int(0, 2), seed: rng.seed() };
      return 'encapsulated pixel data under an uncompressed syntax';
    },
  ],
  [
    1,
    (spec, im, rng) => {
      spec.trailing = rng.pick([1, 7, 4096]);
      return `${spec.trailing} trailing bytes`;
    },
  ],
];

const INTENSITIES = [
  'none',
  'ct:40,400',
  'ct:-600,1500',
  'percentile:1,99',
  'percentile:0,100',
  'zscore',
  'range:0,4095',
  'range:-1024,3071',
];

export function generateDicomCase(rng: Rng, id: string): CliCase {
  const { im, elements } = validImage(rng);
  const spec: DicomSpec = {
    part10: rng.chance(0.9),
    syntax: rng.weighted([
      [4, EXPLICIT_LE],
      [3, IMPLICIT_LE],
      [2, EXPLICIT_BE],
      [2, DEFLATED_LE],
    ]),
    elements,
  };
  const extra: { frame?: string } = {};
  if (im.frames > 1) extra.frame = String(rng.int(0, im.frames - 1));
  const what: string[] = [];
  const n = rng.weighted([
    [2, 0],
    [6, 1],
    [2, 2],
  ]);
  for (let k = 0; k < n; k++) what.push(rng.weighted(LIES)(spec, im, rng, extra));
  const name = rng.weighted([
    [8, 'x.dcm'],
    [1, 'x.DCM'],
    [1, 'x.png'],
  ]);
  const files: Record<string, FileRecipe> = { [name]: { type: 'dicom', spec } };
  const argv = ['explain', name];
  // A valid second image, when no --frame applies to it too (it has one frame).
  if (extra.frame === undefined && rng.chance(0.1)) {
    files['ok.dcm'] = { type: 'dicom', spec: { part10: true, syntax: EXPLICIT_LE, elements: okImage(rng.seed()) } };
    argv.push('ok.dcm');
  }
  if (rng.chance(0.6)) argv.push('--model', '{{ROOT}}/test/fixtures/xray/xray.onnx');
  if (rng.chance(0.7)) argv.push('--intensity', rng.pick(INTENSITIES));
  if (extra.frame !== undefined) argv.push(`--frame=${extra.frame}`);
  if (rng.chance(0.2)) argv.push('--resize', rng.pick(['stretch', 'crop', 'letterbox']));
  if (rng.chance(0.15)) argv.push('--figure');
  argv.push('--out', 'out');
  if (rng.chance(0.25)) argv.push('--save-cam', 'cam.npy', '--json', 'summary.json');
  const syntaxName = spec.part10 ? spec.syntax : 'bare';
  const note =
    `dicom ${syntaxName} ${im.columns}×${im.rows}×${im.samples} ${im.bitsAllocated}-bit ${im.frames} frame(s) as ${name}: ` +
    (what.join('; ') || 'valid');
  return { id, kind: 'dicom', note, tags: [], files, argv, expectOutputs: true };
}
