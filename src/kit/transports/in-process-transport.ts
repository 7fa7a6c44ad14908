// `sim::NAME`: a simulated instrument in the same process, reached through its own protocol
// adapter byte for byte, exactly as a driver reaches the real one over a wire.

import type { Clock } from '../clock/clock.js';
import { StreamTransport, type StreamOptions } from './stream-transport.js';
import { TransportError } from './transport.js';

/** What a simulated instrument offers an in-process transport: a session that takes and gives bytes. */
export interface InProcessEndpoint {
  connect(receive: (bytes: Buffer) => void, closed: (reason: string) => void): InProcessSession;
}

export interface InProcessSession {
  write(bytes: Buffer): void;
  close(): void;
}

export class InProcessTransport extends StreamTransport {
  private session: InProcessSession | null = null;

  constructor(
    resource: string,
    private readonly endpoint: InProcessEndpoint | undefined,
    clock: Clock,
    options: StreamOptions,
  ) {
    super(resource, clock, options);
  }

  protected async connect(): Promise<void> {
    if (!this.endpoint) throw new TransportError('not-found', this.resource, 'no simulated instrument has this name');
    this.session = this.endpoint.connect(
      (bytes) => this.reader.push(bytes),
      (reason) => {
        this.session = null;
        this.lost(reason);
      },
    );
  }

  /** The simulated instrument takes the bytes at once: nothing to wait for, no deadline. */
  protected send(data: Buffer): void {
    if (!this.session) throw new TransportError('closed', this.resource, 'not connected');
    this.session.write(data);
  }

  protected async disconnect(): Promise<void> {
    this.session?.close();
    this.session = null;
  }
}
