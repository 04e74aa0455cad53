/**
 * The error for an image that cannot be read (missing, unfetchable, undecodable), in a module of its own so that both
 * image I/O edges (sharp in Node, the canvas in browsers) throw the same class without importing each other.
 */
import { GcamError } from '../errors.js';

export class ImageReadError extends GcamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IMAGE_READ', message, options);
  }
}
