/**
 * Typed errors. Every failure a user can cause surfaces as one of these, with a message that names the thing and
 * says what to do, so callers (and the CLI) never have to parse stack traces from inside onnxruntime or protobufjs.
 */
export class GcamError extends Error {
  /** Stable machine-readable code, e.g. 'INVALID_MODEL'. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The bytes or file given as a model are not a usable ONNX model. */
export class InvalidModelError extends GcamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_MODEL', message, options);
  }
}

/** An argument (image tensor, target weights, option) has the wrong shape, type or value. */
export class InvalidInputError extends GcamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, options);
  }
}

/** A layer name that matches no tensor, node or module scope of the model. */
export class LayerNotFoundError extends GcamError {
  readonly layer: string;
  readonly suggestions: string[];
  constructor(layer: string, suggestions: string[], extra = '') {
    const hint = suggestions.length ? ` Closest names: ${suggestions.map((s) => `'${s}'`).join(', ')}.` : '';
    super(
      'LAYER_NOT_FOUND',
      `Layer '${layer}' was not found in the model.${hint}${extra} Run \`gcam layers <model>\` to list every layer.`,
    );
    this.layer = layer;
    this.suggestions = suggestions;
  }
}

/**
 * A short layer name (e.g. 'relu', 'downsample.0') that names several modules of the model: gcam does not guess
 * which one was meant. `candidates` are the full names of those modules, each of which resolves on its own.
 */
export class AmbiguousLayerError extends GcamError {
  readonly layer: string;
  readonly candidates: string[];
  constructor(layer: string, candidates: string[]) {
    // A deep network's 'relu' is in every block: the message names the first few, `candidates` keeps them all.
    const shown = candidates.slice(0, 8).map((c) => `'${c}'`);
    const more = candidates.length > shown.length ? ` and ${candidates.length - shown.length} more` : '';
    super(
      'AMBIGUOUS_LAYER',
      `Layer '${layer}' names ${candidates.length} modules: ${shown.join(', ')}${more}. ` +
        'Pass one of these full names instead (`gcam layers <model>` lists every layer).',
    );
    this.layer = layer;
    this.candidates = candidates;
  }
}

/** The chosen output does not depend on the chosen layer, so its gradient would be identically zero. */
export class LayerNotOnPathError extends GcamError {
  readonly layer: string;
  constructor(layer: string, output: string) {
    super(
      'LAYER_NOT_ON_PATH',
      `The output '${output}' does not depend on layer '${layer}', so its gradient would be zero everywhere. ` +
        `Pick a layer that feeds the output (see \`gcam layers <model>\`).`,
    );
    this.layer = layer;
  }
}

export interface UnsupportedOp {
  opType: string;
  domain: string;
  node: string;
  /** Why, when the op type is known but this use of it is not (e.g. a non-constant exponent). */
  reason?: string;
}

/** Ops on the path from a target layer to the output that have no gradient rule. Collected all at once. */
export class UnsupportedOpError extends GcamError {
  readonly ops: UnsupportedOp[];
  readonly workingLayers: string[];
  constructor(ops: UnsupportedOp[], workingLayers: string[]) {
    const list = ops
      .map((o) => `${o.domain ? o.domain + '.' : ''}${o.opType} (node '${o.node}')${o.reason ? `: ${o.reason}` : ''}`)
      .join('; ');
    const hint = workingLayers.length
      ? ` Layers closer to the output that can be explained: ${workingLayers.map((l) => `'${l}'`).join(', ')}.`
      : ' No layer between these ops and the output can be explained either.';
    super(
      'UNSUPPORTED_OP',
      `Cannot differentiate ${ops.length === 1 ? 'this op' : `these ${ops.length} ops`} on the path to the output: ${list}.${hint}`,
    );
    this.ops = ops;
    this.workingLayers = workingLayers;
  }
}

/** An image that cannot be read (missing, unfetchable, undecodable); both image I/O edges (sharp, the canvas) throw it. */
export class ImageReadError extends GcamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IMAGE_READ', message, options);
  }
}

/**
 * A volume file that cannot be used as it is (a truncated or malformed NIfTI, an unsupported data type, a 4-D time
 * series without a frame chosen, more voxels than gcam's tensor limit); `reason` says which, for front ends that map it
 * to a hint.
 */
export class VolumeReadError extends ImageReadError {
  readonly reason: 'truncated' | 'malformed' | 'datatype' | 'time-series' | 'frame' | 'too-large';
  constructor(reason: VolumeReadError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * A DICOM file that gcam cannot read as it is: cut short, malformed, with compressed pixel data (JPEG, JPEG 2000,
 * RLE…), several frames and none chosen (or one out of range), no pixel data at all, or an encoding gcam does not
 * decode (e.g. PALETTE COLOR, 32 bits allocated); `reason` says which, for front ends that map it to a hint.
 */
export class DicomReadError extends ImageReadError {
  readonly reason: 'truncated' | 'malformed' | 'compressed' | 'multi-frame' | 'frame' | 'no-pixel-data' | 'unsupported';
  constructor(reason: DicomReadError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** onnxruntime refused or failed to run a model gcam built; wraps its message. */
export class RuntimeError extends GcamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUNTIME', message, options);
  }
}

/**
 * A library option with a wrong value. `option` is the option's name as the library spells it (e.g. 'topK'), and the
 * message starts with it, so a front end can name its own spelling instead (the CLI says '--top-k').
 */
export class InvalidOptionError extends InvalidInputError {
  readonly option: string;
  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super(`${option} ${message}`, options);
    this.option = option;
  }
}
