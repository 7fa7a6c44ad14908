// The paths a client's first message takes, run once while the server starts: decoding an
// Envelope, the manager's parser refusing a message (its schema and the sentence naming the
// field), encoding the reply for TCP and for a websocket. The first request then costs what the
// next does, rather than the few milliseconds of compiling each function on first use.

import type { CommandParser } from '../manager-command.js';
import { EnvelopeDecoder } from '../protocol/envelope-decoder.js';
import { encodeEnvelope, metaToJson } from '../protocol/envelope-encoder.js';
import { errorReply } from '../protocol/error-reply.js';
import { parseBoundedJson } from '../protocol/bounded-json.js';

/** Samples of what clients send: a command of no known type, one missing its fields, not a command at all. */
const SAMPLES: Record<string, unknown>[] = [
  { type: 'command', command_type: 'warm-up' },
  { type: 'command' },
  { type: 'warm-up' },
];

export function warmUp(parse: CommandParser, now: number): void {
  for (let round = 0; round < 3; round++) {
    for (const meta of SAMPLES) {
      const decoder = new EnvelopeDecoder();
      for (const event of decoder.push(encodeEnvelope(meta, undefined, { now }))) {
        if (event.kind !== 'message') continue;
        const parsed = parse(event.envelope.meta);
        const reply = parsed.ok ? errorReply('SERVER_BUSY_ERROR', 'warm-up') : parsed.reply;
        encodeEnvelope(reply, undefined, { now });
        metaToJson(reply);
      }
      // The websocket's text frames take the bounded JSON parser.
      parseBoundedJson(JSON.stringify(meta), { what: 'warm-up' });
    }
  }
}
