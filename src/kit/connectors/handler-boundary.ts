// Where a handler of outside input (a TCP chunk, a websocket frame or upgrade, an HTTP request)
// meets a bug: the failure costs that one input an error answer, never the process or the other
// clients. Each boundary logs its failures throttled, so a client repeating the input that trips
// a bug cannot flood the log.

import { LogThrottle } from '../log/log-throttle.js';
import type { Logger } from '../log/logger.js';

/** Longest error message put into a log line's text; the stack goes in its own field. */
const LOGGED_MESSAGE_CHARS = 200;

export class HandlerBoundary {
  private readonly throttle = new LogThrottle();

  constructor(
    private readonly log: Logger,
    /** What the boundary guards, for the log: "TCP data handler". */
    private readonly where: string,
  ) {}

  /** Logs one failure (the first ones in full, then one in a thousand with the count left out). Never throws. */
  failed(err: unknown, fields: Record<string, unknown> = {}): void {
    try {
      const { log, suppressed } = this.throttle.take();
      if (!log) return;
      const error = err instanceof Error ? err : new Error(describeThrown(err));
      const message = error.message.length > LOGGED_MESSAGE_CHARS ? `${error.message.slice(0, LOGGED_MESSAGE_CHARS)}...` : error.message;
      this.log.error({ ...fields, err: error.stack ?? message, suppressed }, `${this.where} failed, and kept serving: ${message}`);
    } catch {
      // The logger itself failed: nothing more can be said, and the caller must still answer.
    }
  }

  /** Runs `handle`; if it throws, logs the failure and runs `answer` (guarded too). */
  run(handle: () => void, answer: () => void, fields?: Record<string, unknown>): void {
    try {
      handle();
    } catch (err) {
      this.failed(err, fields);
      try {
        answer();
      } catch (answerErr) {
        this.failed(answerErr, { ...fields, while: 'answering a failure' });
      }
    }
  }
}

/** A thrown value that is not an Error, as text; `String()` itself may throw (a symbol-keyed getter, a revoked proxy). */
function describeThrown(value: unknown): string {
  try {
    return `non-Error value thrown: ${String(value)}`;
  } catch {
    return 'non-Error value thrown';
  }
}
