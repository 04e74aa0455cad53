/**
 * What a fuzz case is, as plain JSON: every input file is a recipe (not bytes), so a case, a finding's reproducer and a
 * regression entry are the same small object and rebuilding it needs no generator state.
 */

export const KINDS = ['models', 'images', 'npy', 'labels', 'options', 'library', 'dicom', 'nifti', 'signals'] as const;
export type Kind = (typeof KINDS)[number];

/** The small valid models a model recipe starts from (paths relative to the repository root). */
export const BASE_MODELS = {
  shapes: 'models/shapes/shapes.onnx',
  resnet: 'test/fixtures/e2e/resnet.onnx',
  mobilenet: 'test/fixtures/e2e/mobilenet.onnx',
  vgg: 'test/fixtures/e2e/vgg.onnx',
} as const;
export type BaseModel = keyof typeof BASE_MODELS;

/** A structural change made on the decoded ModelProto (src/onnx/schema.ts) before it is encoded again. */
export type ModelMutation =
  | { op: 'inputDim'; input: number; dim: number; value: number | string }
  | { op: 'outputDim'; output: number; dim: number; value: number | string }
  | { op: 'initDim'; init: number; dim: number; value: number }
  | { op: 'inputType'; input: number; value: number }
  | { op: 'initType'; init: number; value: number }
  /** Moves an initializer's data to an external file entry; `file` (in the case folder) receives its bytes when set. */
  | { op: 'external'; init: number; location?: string; offset?: string; length?: string; file?: string; extraKeys?: boolean }
  | { op: 'dropNode'; node: number }
  | { op: 'dupNode'; node: number }
  | { op: 'dropInit'; init: number }
  | { op: 'dupInit'; init: number }
  | { op: 'opset'; value: number; domain?: string }
  | { op: 'irVersion'; value: number }
  | { op: 'dropOutputs' }
  | { op: 'renameInput'; node: number; input: number; value: string }
  | { op: 'attr'; node: number; value: number };

/** A change made on the encoded bytes. */
export type ByteMutation =
  | { op: 'flip'; seed: number; count: number }
  | { op: 'truncate'; fraction: number }
  /** Copies a seeded range of the bytes over another seeded position (protobuf fields land in the wrong place). */
  | { op: 'splice'; seed: number }
  /** Inserts seeded random bytes at a seeded position. */
  | { op: 'insert'; seed: number; length: number };

export interface ImageSpec {
  format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff';
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  /** 16 bits per sample (PNG and TIFF only). */
  depth16?: boolean;
  /** Frames of an animated image (GIF and WebP). */
  frames?: number;
  /** CMYK (JPEG and TIFF only): decoders must convert it, not read four channels as RGBA. */
  cmyk?: boolean;
  /** An EXIF orientation tag 1–8 (5–8 swap width and height when applied). */
  orientation?: number;
  /** Pixels: a flat colour (cheap for huge sizes) or seeded noise. */
  fill: 'flat' | 'noise';
  seed: number;
  /** Applied to the encoded file. */
  post?:
    { op: 'truncate'; fraction: number } | { op: 'flip'; seed: number; count: number } | { op: 'junkAfterMagic'; seed: number };
}

export interface NpySpec {
  major: number;
  minor?: number;
  descr: string;
  /** The shape written into the header, as text (so '-1', '1e9' and '' are expressible). */
  shape: string;
  fortran?: boolean;
  /** Elements actually written after the header (float values from the seed). */
  elements: number;
  /** Bytes of junk after the data. */
  trailing?: number;
  /** Cut the file to this many bytes. */
  truncateTo?: number;
  /** Replace the whole header dictionary text. */
  rawHeader?: string;
  /** Header length field overridden (a lie about where the data starts). */
  headerLength?: number;
  /** Float values other than the seeded ones in [-2, 2] (float32 only): non-finite or extreme signals. */
  values?: 'nan' | 'inf' | 'some-nan' | 'huge' | 'zero';
  seed: number;
}

/** A float a header field holds; NaN and the infinities as strings, since JSON cannot spell them. */
export type HeaderFloat = number | 'NaN' | 'Infinity' | '-Infinity';

/** One DICOM data element, written as the recipe says, length field included (so it can lie). */
export interface DicomElement {
  /** 'GGGGEEEE' in hex. */
  tag: string;
  vr: string;
  /** Text (padded to an even length unless `odd`), 16-bit values, seeded bytes, sequence items or fragments. */
  value:
    | { str: string; odd?: boolean }
    | { us: number[] }
    | { ul: number[] }
    | { bytes: number; seed: number; bytesPer?: 1 | 2 }
    | { items: DicomElement[][]; undefinedLength?: boolean }
    | { fragments: number; seed: number };
  /** A length field that lies (the value is written as it is). */
  length?: number;
}

export interface DicomSpec {
  /** The 128-byte preamble and 'DICM' with a file meta group; false: a bare data set (implicit VR LE). */
  part10: boolean;
  /** The transfer syntax UID in the meta group and the encoding of the data set (unknown ones encode as explicit LE). */
  syntax: string;
  /** (0002,0000) given as this instead of the true group length; 'omit' leaves it out. */
  groupLength?: number | 'omit';
  elements: DicomElement[];
  /** Seeded random bytes right after 'DICM' instead of the meta group and data set. */
  junkAfterMagic?: { seed: number; length: number };
  /** Cut the file to this many bytes. */
  truncateTo?: number;
  /** Seeded bytes appended. */
  trailing?: number;
}

export interface NiftiSpec {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7] */
  dims: number[];
  datatype: number;
  bitpix: number;
  voxOffset: HeaderFloat;
  pixdim: HeaderFloat[];
  sclSlope: HeaderFloat;
  sclInter: HeaderFloat;
  qformCode: number;
  sformCode: number;
  /** quatern_b, c, d, qoffset_x, y, z */
  quatern: HeaderFloat[];
  /** srow_x, srow_y, srow_z: 12 values. */
  srow: HeaderFloat[];
  /** sizeof_hdr when it lies. */
  sizeofHdr?: number;
  /** The magic when it lies ('ni1', 'n+2' in a NIfTI-1 header…). */
  magic?: string;
  /** Voxels actually written (the honest count unless it lies; a flat volume compresses to almost nothing). */
  voxels: number;
  fill: 'flat' | 'noise' | 'solid';
  gzip?: boolean;
  /** Applied to the (gzipped) file. */
  post?: { op: 'truncate'; fraction: number } | { op: 'flip'; seed: number; count: number } | { op: 'gzipTwice' };
  seed: number;
}

/** A tiny 1-D classifier [N, C, L] → 2 classes built with gcam's own ONNX schema (no committed fixture needed). */
export interface SignalModelSpec {
  channels: number;
  /** The input's length: fixed, or a symbolic name (then --size L picks it). */
  length: number | string;
}

export type FileRecipe =
  | { type: 'model'; base: BaseModel; mutations?: ModelMutation[]; bytes?: ByteMutation[] }
  | { type: 'image'; spec: ImageSpec }
  | { type: 'npy'; spec: NpySpec }
  | { type: 'dicom'; spec: DicomSpec }
  | { type: 'nifti'; spec: NiftiSpec }
  | { type: 'signalModel'; spec: SignalModelSpec }
  | { type: 'text'; text: string }
  | { type: 'random'; seed: number; length: number; prefixHex?: string }
  | { type: 'fifo' }
  | { type: 'dir' }
  | { type: 'symlink'; target: string };

/** A command-line case: files created in a fresh folder, then `gcam <argv>` run there (`{{CASE}}` = that folder). */
export interface CliCase {
  id: string;
  kind: Exclude<Kind, 'library'>;
  note: string;
  /** Known-hole categories this case exercises (see KNOWN in test/fuzz.test.ts); findings are grouped by them. */
  tags: string[];
  files: Record<string, FileRecipe>;
  argv: string[];
  /** A successful run must have written at least one output it reports (`wrote …`). */
  expectOutputs: boolean;
}

/**
 * A library argument in JSON: plain values as they are, and the values JSON cannot spell as {"$": …} tokens that the
 * worker turns into the real thing (NaN, typed arrays, RawImages with a chosen data length, a model's path or bytes).
 */
export type LibValue =
  | null
  | boolean
  | number
  | string
  | LibValue[]
  | { [key: string]: LibValue }
  | { $: 'NaN' | 'Infinity' | '-Infinity' | 'undefined' }
  | { $: 'modelPath'; base: BaseModel }
  | { $: 'modelBytes'; base: BaseModel; truncate?: number }
  | { $: 'bytes'; seed: number; length: number }
  | { $: 'f32'; length: number; value?: number }
  | { $: 'npy'; spec: NpySpec };

/** The entry points that take what a user hands over: a model, images, options, .npy bytes, a labels text. */
export const LIB_FUNCTIONS = ['createImageExplainer', 'explainer.explain', 'explain', 'parseNpy', 'parseLabels'] as const;
export type LibFunction = (typeof LIB_FUNCTIONS)[number];

/** A library case: one call from src/node.ts; 'explainer.explain' takes [model, createOptions, images, options]. */
export interface LibraryCase {
  id: string;
  kind: 'library';
  note: string;
  tags: string[];
  fn: LibFunction;
  args: LibValue[];
}

export type FuzzCase = CliCase | LibraryCase;

export const CLASSES = [
  'ok',
  'typed-error',
  'internal-error',
  'untyped-error',
  'stack-trace',
  'no-output',
  'partial-output',
  'crash',
  'hang',
  'memory',
] as const;
export type FuzzClass = (typeof CLASSES)[number];

/** Classes that are fine: the run worked, or it refused with a typed one-line error. */
export const ACCEPTED: readonly FuzzClass[] = ['ok', 'typed-error'];
/** Classes `npm test` fails on (internal-error is reported, not failed: see docs/robustness.md). */
export const SEVERE: readonly FuzzClass[] = [
  'crash',
  'hang',
  'memory',
  'stack-trace',
  'partial-output',
  'untyped-error',
  'no-output',
];

export interface Outcome {
  id: string;
  kind: Kind;
  class: FuzzClass;
  /** Why this class, in one line (the rule that decided it). */
  reason: string;
  exitCode: number | null;
  signal: string | null;
  ms: number;
  peakRssMiB: number;
  /** The first lines of stderr (or the thrown error), for the report. */
  stderrHead: string;
  /** Files a failing run left that it did not report as written. */
  leftovers?: string[];
  /** What the process left in its own TMPDIR (reported, not a class: temporary files are not outputs). */
  tmpLeft?: string[];
}
