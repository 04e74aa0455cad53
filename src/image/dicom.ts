/**
 * DICOM images (PS3.10 files, or bare data sets) → SampleImage, platform-free (dicom-parser is pure JavaScript; the
 * deflated transfer syntax is inflated with fflate, so browsers read it too). One frame: the modality values, i.e.
 * the stored values masked to BitsStored (sign-extended when PixelRepresentation is 1, PS3.5 §8.1.1), times
 * RescaleSlope plus RescaleIntercept (PS3.3 C.11.1.1.2: Hounsfield units for CT). MONOCHROME1 is flagged for
 * inversion after the intensity preset; WindowCenter/WindowWidth are kept for display only.
 *
 * Uncompressed pixel data only (implicit and explicit VR little endian, explicit VR big endian, deflated); JPEG,
 * JPEG-LS, JPEG 2000, RLE and the video syntaxes are refused with the transfer syntax named.
 */
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { inflateSync } from 'fflate';
import { DicomReadError } from '../errors.js';
import type { SampleImage } from './samples.js';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const UNCOMPRESSED = new Set([IMPLICIT_LE, EXPLICIT_LE, DEFLATED_LE, EXPLICIT_BE]);

/** Names of the compressed transfer syntaxes met in practice (PS3.6 Annex A), for the message. */
const COMPRESSED_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

/** Whether bytes are a DICOM PS3.10 file: 'DICM' after the 128-byte preamble. */
export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** dicom-parser throws strings, Errors, or { exception, dataSet }: the message in each case. */
function parserMessage(e: unknown): string {
  const inner = typeof e === 'object' && e !== null && 'exception' in e ? (e as { exception: unknown }).exception : e;
  return inner instanceof Error ? inner.message : String(inner);
}

/** The deflated transfer syntax's data set, inflated (raw deflate, PS3.5 A.5) after the meta header's bytes. */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateSync(bytes.subarray(position));
  const whole = new Uint8Array(position + inflated.length);
  whole.set(bytes.subarray(0, position));
  whole.set(inflated, position);
  return whole;
}

type Fail = (reason: DicomReadError['reason'], message: string, cause?: unknown) => DicomReadError;

/**
 * One frame of a DICOM image as a SampleImage. `what` names it in messages ("'scan.dcm'"); `frame` picks one frame of a
 * multi-frame file (0-based; required when NumberOfFrames > 1). Bytes without the 'DICM' magic are read as a bare
 * data set in implicit VR little endian (the default transfer syntax, PS3.5 §10.1) when `bare` is set (a `.dcm`).
 */
export function readDicom(bytes: Uint8Array, what = 'DICOM bytes', frame?: number, bare = false): SampleImage {
  const name = what.replace(/^'(.*)'$/, '$1');
  const fail = (reason: DicomReadError['reason'], message: string, cause?: unknown) =>
    new DicomReadError(reason, `DICOM ${what} ${message}`, { cause });
  if (!isDicom(bytes) && !bare)
    throw fail('malformed', "has no 'DICM' marker at byte 128: it is not a DICOM file (or a bare data set: name it .dcm).");
  const parseFailure = (e: unknown) => {
    const m = parserMessage(e);
    // dicom-parser's words for running out of bytes (an element or the header reaching past the end).
    const short = /overrun|beyond|past (the )?end|end of|truncat|greater than or equal to 'byteArray' length/i.test(m);
    return fail(
      short ? 'truncated' : 'malformed',
      short ? `is cut short (${m}); copy or download it again.` : `cannot be parsed (${m}).`,
      e,
    );
  };
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, { inflater, ...(isDicom(bytes) ? {} : { TransferSyntaxUID: IMPLICIT_LE }) });
  } catch (e) {
    throw parseFailure(e);
  }
  // dicom-parser reads values lazily: an element whose length reaches past the end passes parseDicom and throws
  // (a string) only when its value is read, so reading the attributes can fail the same way parsing can.
  try {
    return imageOf(ds, name, frame, fail);
  } catch (e) {
    throw e instanceof DicomReadError ? e : parseFailure(e);
  }
}

function imageOf(ds: DataSet, name: string, frame: number | undefined, fail: Fail): SampleImage {
  const syntax = (ds.string('x00020010') ?? IMPLICIT_LE).replace(/\0/g, '').trim();
  const pixels = ds.elements.x7fe00010;
  if (!pixels)
    throw fail(
      'no-pixel-data',
      `holds no pixel data (7FE0,0010): it is not an image${ds.string('x00080060') ? ` (modality ${ds.string('x00080060')})` : ''}.`,
    );
  if (!UNCOMPRESSED.has(syntax) || pixels.encapsulatedPixelData) {
    const label = COMPRESSED_NAMES[syntax] ? ` (${COMPRESSED_NAMES[syntax]})` : '';
    throw fail(
      'compressed',
      `uses transfer syntax ${syntax}${label}, compressed pixel data gcam does not decode. Decompress it first: ` +
        '`gdcmconv --raw in.dcm out.dcm` (GDCM) or `dcmdjpeg in.dcm out.dcm` / `dcmdrle in.dcm out.dcm` (DCMTK).',
    );
  }
  return frameOf(ds, pixels, syntax === EXPLICIT_BE, name, frame, fail);
}

function frameOf(
  ds: DataSet,
  pixels: Element,
  bigEndian: boolean,
  name: string,
  frame: number | undefined,
  fail: Fail,
): SampleImage {
  const need = (tag: string, label: string) => {
    const v = ds.uint16(tag);
    if (v === undefined) throw fail('malformed', `has no ${label} (${tag.slice(1, 5)},${tag.slice(5)}).`);
    return v;
  };
  const rows = need('x00280010', 'Rows');
  const columns = need('x00280011', 'Columns');
  const bitsAllocated = need('x00280100', 'BitsAllocated');
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const highBit = ds.uint16('x00280102') ?? bitsStored - 1;
  const signed = ds.uint16('x00280103') === 1;
  const samplesPerPixel = ds.uint16('x00280002') ?? 1;
  const photometric = (ds.string('x00280004') ?? 'MONOCHROME2').trim().toUpperCase();
  const planar = ds.uint16('x00280006') === 1;
  const frames = ds.intString('x00280008') ?? 1;
  if (rows === 0 || columns === 0) throw fail('malformed', `is ${columns}×${rows}: an image needs pixels.`);
  if (bitsAllocated !== 8 && bitsAllocated !== 16)
    throw fail('unsupported', `has BitsAllocated ${bitsAllocated}; gcam reads 8 and 16.`);
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated && highBit >= bitsStored - 1 && highBit < bitsAllocated))
    throw fail(
      'malformed',
      `has BitsStored ${bitsStored} and HighBit ${highBit}, which do not fit BitsAllocated ${bitsAllocated}.`,
    );
  const mono = photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';
  if (!((mono && samplesPerPixel === 1) || (photometric === 'RGB' && samplesPerPixel === 3)))
    throw fail(
      'unsupported',
      `has PhotometricInterpretation ${photometric} with ${samplesPerPixel} sample(s) per pixel; gcam reads MONOCHROME1, MONOCHROME2 and RGB. ` +
        'Convert it first (e.g. `gdcmconv --raw` keeps the pixels, DCMTK `dcmconv` the photometric).',
    );
  if (ds.elements.x00283000)
    throw fail(
      'unsupported',
      'has a Modality LUT Sequence (0028,3000), which gcam does not apply yet; RescaleSlope/RescaleIntercept are supported.',
    );
  if (!ds.elements.x00281053 && (ds.elements.x52009229 || ds.elements.x52009230))
    throw fail(
      'unsupported',
      'is an enhanced multi-frame image: its rescale is in functional groups, which gcam does not read yet.',
    );
  if (!(Number.isInteger(frames) && frames >= 1)) throw fail('malformed', `has NumberOfFrames ${ds.string('x00280008')}.`);
  if (frame === undefined && frames > 1)
    throw fail(
      'multi-frame',
      `has NumberOfFrames ${frames}: choose one with --frame T (0 to ${frames - 1}; library: readDicom(bytes, name, T)).`,
    );
  const t = frame ?? 0;
  if (!(Number.isInteger(t) && t >= 0 && t < frames))
    throw fail('frame', `has ${frames} frame(s) (0 to ${frames - 1}); frame ${frame} does not exist.`);
  const bytesPer = bitsAllocated / 8;
  const perFrame = rows * columns * samplesPerPixel;
  const start = pixels.dataOffset + t * perFrame * bytesPer;
  const end = start + perFrame * bytesPer;
  const available = Math.min(ds.byteArray.length, pixels.dataOffset + pixels.length);
  if (end > available)
    throw fail(
      'truncated',
      `is cut short: frame ${t} needs ${perFrame * bytesPer} bytes of pixel data from byte ${start}, but the ${pixels.dataOffset + pixels.length > ds.byteArray.length ? 'file' : 'pixel data'} ends at ${available}; copy or download it again.`,
    );
  const slope = ds.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? 0;
  if (!Number.isFinite(slope) || !Number.isFinite(intercept) || slope === 0)
    throw fail('malformed', `has RescaleSlope ${ds.string('x00281053')} and RescaleIntercept ${ds.string('x00281052')}.`);
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + start, perFrame * bytesPer);
  // The stored bits are HighBit − BitsStored + 1 … HighBit of each sample (PS3.5 §8.1.1); others are not pixel data.
  const shift = highBit - bitsStored + 1;
  const mask = 2 ** bitsStored - 1;
  const sign = 2 ** (bitsStored - 1);
  const samples = new Float32Array(perFrame);
  for (let i = 0; i < perFrame; i++) {
    const raw = bytesPer === 1 ? view.getUint8(i) : view.getUint16(2 * i, !bigEndian);
    let v = (raw >>> shift) & mask;
    if (signed && v >= sign) v -= 2 * sign;
    // Planar configuration 1 stores the reds, then the greens, then the blues: interleaved here.
    const at = planar && samplesPerPixel === 3 ? (i % (rows * columns)) * 3 + Math.floor(i / (rows * columns)) : i;
    samples[at] = v * slope + intercept;
  }
  const center = ds.floatString('x00281050');
  const width = ds.floatString('x00281051');
  return {
    width: columns,
    height: rows,
    channels: samplesPerPixel === 3 ? 3 : 1,
    samples,
    ...(photometric === 'MONOCHROME1' && { inverted: true }),
    ...(center !== undefined && width !== undefined && Number.isFinite(center) && width >= 1 && { window: { center, width } }),
    name,
  };
}
