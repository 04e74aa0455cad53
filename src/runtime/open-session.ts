/** A session of a model gcam compiled from the user's: its external data files and the session settings passed on. */
import type { DecodedModel } from '../onnx/decode.js';
import type { Runtime, Session, SessionOptions } from './types.js';

export function openSession(
  runtime: Runtime,
  bytes: Uint8Array,
  decoded: DecodedModel,
  options: SessionOptions,
): Promise<Session> {
  return runtime.createSession(bytes, {
    threads: options.threads,
    optimization: options.optimization,
    externalData: decoded.externalData,
  });
}
