// One message on its way to one or many clients, encoded once per form (Envelope for TCP, JSON
// text for the websocket) however many clients it goes to: a reading for 1000 clients is one
// encoding, not 1000.

import { encodeEnvelope, metaToJson } from '../protocol/envelope-encoder.js';

export class OutgoingMessage {
  private envelopeBytes: Buffer | null | undefined;
  private text: string | null | undefined;
  private reported = false;

  constructor(
    readonly meta: Record<string, unknown>,
    /** Told once if the message cannot be encoded (a non-finite number: it is then sent to nobody). */
    private readonly unencodable: (meta: Record<string, unknown>, err: Error) => void,
  ) {}

  /** The Envelope bytes (header time from `now`, the first time it is asked), or null. */
  envelope(now: number): Buffer | null {
    if (this.envelopeBytes === undefined) this.envelopeBytes = this.encode(() => encodeEnvelope(this.meta, undefined, { now }));
    return this.envelopeBytes;
  }

  /** The JSON text for a websocket frame, or null. */
  json(): string | null {
    if (this.text === undefined) this.text = this.encode(() => metaToJson(this.meta));
    return this.text;
  }

  private encode<T>(work: () => T): T | null {
    try {
      return work();
    } catch (err) {
      if (!this.reported) this.unencodable(this.meta, err as Error);
      this.reported = true;
      return null;
    }
  }
}
