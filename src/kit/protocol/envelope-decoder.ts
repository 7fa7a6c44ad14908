// Streaming Envelope decoder: bytes in any split, messages and errors out, never a throw.
//
// Like ws's receiver it is a small explicit state machine over a list of chunks: each step consumes
// bytes or reports that it needs more, and limits are enforced the moment a length is read.

import { inflateSync } from 'node:zlib';
import { parseBoundedJson } from './bounded-json.js';
import { ChunkList } from './chunk-list.js';
import { EnvelopeError, type Envelope, type Meta } from './envelope.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DF02_START,
  HEADER_14000,
  HEADER_DF02,
  META_TYPE,
  TAGLESS_START,
  describeMetaType,
} from './envelope-format.js';

export type DecoderEvent =
  | { kind: 'message'; envelope: Envelope }
  | { kind: 'error'; error: EnvelopeError }
  | { kind: 'skipped'; bytes: number };

export interface DecoderOptions {
  /** Largest meta + data one header may announce; larger is refused as soon as the header is read. */
  maxMessageBytes?: number;
}

const HASH = 0x23; // '#'

type Step =
  | { name: 'seek' }
  | { name: 'body'; headerSize: number; metaLength: number; dataLength: number; unsupported?: EnvelopeError };

export class EnvelopeDecoder {
  private readonly buffer = new ChunkList();
  private readonly maxMessageBytes: number;
  private step: Step = { name: 'seek' };
  private pendingSkip = 0;
  private totalSkipped = 0;

  constructor(options: DecoderOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Bytes received but not yet decoded, the header of a message cut short included. */
  get bufferedBytes(): number {
    return this.buffer.length + (this.step.name === 'body' ? this.step.headerSize : 0);
  }

  /** Garbage bytes dropped while looking for a header marker, since this decoder was made. */
  get skippedBytes(): number {
    return this.totalSkipped;
  }

  /** Feeds received bytes; returns what they completed, in order. */
  push(chunk: Buffer): DecoderEvent[] {
    this.buffer.push(chunk);
    const events: DecoderEvent[] = [];
    for (;;) {
      const progressed = this.step.name === 'seek' ? this.seekHeader(events) : this.readBody(events);
      if (!progressed) break;
    }
    this.flushSkipped(events);
    return events;
  }

  /** Looks for a header at the front of the buffer; returns false when it needs more bytes. */
  private seekHeader(events: DecoderEvent[]): boolean {
    const hash = this.buffer.indexOfByte(HASH);
    if (hash === -1) {
      this.dropGarbage(this.buffer.length);
      return false;
    }
    this.dropGarbage(hash);
    if (this.buffer.length < 2) return false;
    const second = this.buffer.byteAt(1);
    if (second === TAGLESS_START[1]) return this.readHeader14000(events);
    if (second === DF02_START[1]) return this.readHeaderDf02(events);
    this.dropGarbage(1);
    return true;
  }

  private readHeader14000(events: DecoderEvent[]): boolean {
    const h = HEADER_14000;
    if (this.buffer.length < h.size) return false;
    if (this.buffer.readUInt32BE(h.offsets.type) !== h.type || !this.buffer.matches(h.offsets.end, h.end)) {
      this.dropGarbage(1); // a '#!' that is not a header: keep looking past it
      return true;
    }
    const metaType = this.buffer.readUInt32BE(h.offsets.metaType);
    const metaLength = this.buffer.readUInt32BE(h.offsets.metaLength);
    const dataLength = this.buffer.readUInt32BE(h.offsets.dataLength);
    this.flushSkipped(events);
    this.buffer.skip(h.size);
    const metaIsJson = metaType === META_TYPE.json || metaType === META_TYPE.undefined;
    return this.beginBody(events, h.size, metaLength, dataLength, metaIsJson, metaType);
  }

  private readHeaderDf02(events: DecoderEvent[]): boolean {
    const h = HEADER_DF02;
    const have = Math.min(this.buffer.length, DF02_START.length);
    if (!this.buffer.matches(0, DF02_START.subarray(0, have))) {
      this.dropGarbage(1);
      return true;
    }
    if (this.buffer.length < h.size) return false;
    if (!this.buffer.matches(h.offsets.end, h.end)) {
      this.dropGarbage(1);
      return true;
    }
    const metaType = String.fromCharCode(this.buffer.byteAt(h.offsets.metaType), this.buffer.byteAt(h.offsets.metaType + 1));
    const metaLength = this.buffer.readUInt32BE(h.offsets.metaLength);
    const dataLength = this.buffer.readUInt32BE(h.offsets.dataLength);
    this.flushSkipped(events);
    this.buffer.skip(h.size);
    return this.beginBody(events, h.size, metaLength, dataLength, metaType === 'JS', metaType);
  }

  private beginBody(
    events: DecoderEvent[],
    headerSize: number,
    metaLength: number,
    dataLength: number,
    metaIsJson: boolean,
    metaType: number | string,
  ): boolean {
    if (metaLength + dataLength > this.maxMessageBytes) {
      // Refused before a single body byte is awaited or allocated; the peer's stream is no longer
      // trustworthy, so the error is fatal and the decoder goes back to looking for a marker.
      events.push({
        kind: 'error',
        error: new EnvelopeError(
          'too-large',
          `envelope announces ${metaLength} bytes of meta and ${dataLength} bytes of data; expected at most ${this.maxMessageBytes} bytes in all`,
          true,
        ),
      });
      return true;
    }
    const unsupported = metaIsJson
      ? undefined
      : new EnvelopeError(
          'unsupported-meta-type',
          `meta type ${describeMetaType(metaType)} is not supported; expected ${describeMetaType(META_TYPE.json)} (JSON)`,
        );
    this.step = { name: 'body', headerSize, metaLength, dataLength, ...(unsupported ? { unsupported } : {}) };
    return true;
  }

  private readBody(events: DecoderEvent[]): boolean {
    if (this.step.name !== 'body') return false;
    const { metaLength, dataLength, unsupported } = this.step;
    if (this.buffer.length < metaLength + dataLength) return false;
    this.step = { name: 'seek' };
    if (unsupported) {
      this.buffer.skip(metaLength + dataLength);
      events.push({ kind: 'error', error: unsupported });
      return true;
    }
    const metaBytes = this.buffer.consume(metaLength);
    const rawData = this.buffer.consume(dataLength);
    const meta = parseMeta(metaBytes);
    if (meta instanceof EnvelopeError) {
      events.push({ kind: 'error', error: meta });
      return true;
    }
    const data = meta.compression === 'zlib' ? this.inflate(rawData) : Buffer.from(rawData);
    if (data instanceof EnvelopeError) events.push({ kind: 'error', error: data });
    else events.push({ kind: 'message', envelope: { meta, data } });
    return true;
  }

  private inflate(data: Buffer): Buffer | EnvelopeError {
    if (data.length === 0) return data;
    try {
      // The output limit guards against a small compressed body that inflates to gigabytes.
      return inflateSync(data, { maxOutputLength: this.maxMessageBytes });
    } catch (err) {
      return new EnvelopeError('bad-data', `zlib data of ${data.length} bytes does not inflate (${(err as Error).message}); expected a zlib stream of at most ${this.maxMessageBytes} bytes inflated`);
    }
  }

  private dropGarbage(n: number): void {
    if (n <= 0) return;
    this.buffer.skip(n);
    this.pendingSkip += n;
    this.totalSkipped += n;
  }

  private flushSkipped(events: DecoderEvent[]): void {
    if (this.pendingSkip === 0) return;
    events.push({ kind: 'skipped', bytes: this.pendingSkip });
    this.pendingSkip = 0;
  }
}

/** Meta text as JSON; it must be an object (an empty meta is an empty object), nested at most MAX_JSON_DEPTH deep. */
export function parseMeta(bytes: Buffer): Meta | EnvelopeError {
  const text = bytes.toString('utf8');
  if (text.trim() === '') return {};
  const parsed = parseBoundedJson(text, { what: 'meta' });
  if (!parsed.ok) {
    return parsed.kind === 'too-deep' ? new EnvelopeError('too-deep', parsed.message) : new EnvelopeError('bad-meta', `${parsed.message}; expected a JSON object`);
  }
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const found = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    return new EnvelopeError('bad-meta', `meta is ${found}; expected a JSON object`);
  }
  return value as Meta;
}
