// The reply-only floor of the error round trip: a bare Node process that frames Online's Envelope
// and answers each message with one error reply encoded at start. It does no other work (no
// parsing beyond the frame, no log, no timers), so its round trip is what Node and the sockets
// cost on this machine at this moment; bench:load quotes the server's round trip as a ratio to it.
// Prints `floor: port N` once it listens on the port the system picked.

import { createServer } from 'node:net';
import { errorReply } from '../src/kit/protocol/error-reply.js';
import { encodeEnvelope } from '../src/kit/protocol/envelope-encoder.js';
import { HEADER_14000 } from '../src/kit/protocol/envelope-format.js';

const { size, offsets } = HEADER_14000;

/** The server's refusal of a set_voltage on block 99 of the simulated rack, byte for byte but the header's time. */
const FLOOR_REPLY = encodeEnvelope(
  errorReply('INCORRECT_MESSAGE_PARAMS', "field 'block' is \"99\": block 99 is not configured; expected one of the configured blocks (1, 2)"),
);

const server = createServer({ noDelay: true }, (socket) => {
  let held: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    held = held.length ? Buffer.concat([held, chunk]) : chunk;
    while (held.length >= size) {
      const end = size + held.readUInt32BE(offsets.metaLength) + held.readUInt32BE(offsets.dataLength);
      if (held.length < end) break;
      held = held.subarray(end);
      socket.write(FLOOR_REPLY);
    }
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`floor: port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
