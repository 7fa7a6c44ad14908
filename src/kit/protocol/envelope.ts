// What one Envelope carries once decoded: a JSON object of metadata and binary data.

export type Meta = Record<string, unknown>;

export interface Envelope {
  meta: Meta;
  /** Binary data after the meta, inflated when the meta says `"compression": "zlib"`. */
  data: Buffer;
}

export type EnvelopeErrorKind =
  | 'too-large'
  | 'bad-meta'
  | 'too-deep'
  | 'unsupported-meta-type'
  | 'bad-data'
  | 'non-finite';

/** A message that cannot be decoded or encoded; `kind` says why, `message` names the bad value. */
export class EnvelopeError extends Error {
  constructor(
    readonly kind: EnvelopeErrorKind,
    message: string,
    /** True when the byte stream can no longer be trusted to be in step (e.g. a refused length). */
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'EnvelopeError';
  }
}
