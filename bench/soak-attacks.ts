// Bursts of bad input, one class at a time: what each input got back is tallied by class and
// input, so a change in the server's answer shows as a changed line in the summary.

import { randomBytes } from 'node:crypto';
import { encodeEnvelope } from '../src/kit/protocol/envelope-encoder.js';
import type { SoakClass } from './soak-options.js';
import type { Endpoint } from './soak-console.js';
import { envelopeExchange, httpExchange, wsExchange, type Verdict } from './soak-raw.js';

export type AttackTally = Record<string, Record<Verdict, number>>;

const DEPTH = 10_000;

/** A `#!` header and `metaText` as it is, for metas the encoder would never produce. */
function envelopeOf(metaText: string | Buffer, announce?: { meta: number; data: number }): Buffer {
  const meta = Buffer.isBuffer(metaText) ? metaText : Buffer.from(metaText, 'utf8');
  const header = Buffer.alloc(30);
  header.write('#!', 0, 'latin1');
  header.writeUInt32BE(0x00014000, 2);
  header.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0, 6);
  header.writeUInt32BE(0x00010000, 10);
  header.writeUInt32BE(announce?.meta ?? meta.length, 14);
  header.writeUInt32BE(0, 18);
  header.writeUInt32BE(announce?.data ?? 0, 22);
  header.write('!#\r\n', 26, 'latin1');
  return Buffer.concat([header, announce ? Buffer.alloc(0) : meta]);
}

function df02Header(metaLength: number, dataLength: number): Buffer {
  const header = Buffer.alloc(20);
  header.write('#~DF02JS', 0, 'latin1');
  header.writeUInt32BE(metaLength, 8);
  header.writeUInt32BE(dataLength, 12);
  header.write('~#\r\n', 16, 'latin1');
  return header;
}

/** Random bytes with no `#`, so no header marker can appear by chance. */
function noise(bytes: number): Buffer {
  return Buffer.from([...randomBytes(bytes)].map((b) => (b === 0x23 ? 0 : b)));
}

const deepArrays = `{"type":"command","command_type":"set_voltage","block":"1","voltage":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;
const deepObjects = `{"type":"command","command_type":"set_voltage_and_check","block":${'{"b":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)},"voltage":100,"max_error":5,"timeout":20}`;

const request = (line: string, headers = 'Host: soak\r\n') => Buffer.from(`${line}\r\n${headers}\r\n`, 'latin1');

type Input = { name: string; send: (e: Endpoint) => Promise<Verdict> };

const tcp = (name: string, bytes: () => Buffer): Input => ({ name, send: (e) => envelopeExchange(e.host, e.tcpPort, bytes()) });
const ws = (name: string, frame: () => string | Buffer): Input => ({ name, send: (e) => wsExchange(e.host, e.httpPort, frame()) });
const http = (name: string, bytes: () => Buffer): Input => ({ name, send: (e) => httpExchange(e.host, e.httpPort, bytes()) });

export const ATTACKS: Partial<Record<SoakClass, Input[]>> = {
  garbage: [
    tcp('tcp: 1 MiB of random bytes, then a message of unknown type', () => Buffer.concat([noise(1 << 20), encodeEnvelope({ type: 'ping' })])),
    tcp('tcp: random bytes with header markers in them', () =>
      Buffer.concat(Array.from({ length: 64 }, () => Buffer.concat([randomBytes(300), Buffer.from('#!'), randomBytes(40), Buffer.from('#~DF02'), randomBytes(40)])))),
    tcp('tcp: meta that is not JSON', () => envelopeOf('{"type": "command", "block": 1,,,')),
    ws('ws: 64 KiB binary frame', () => randomBytes(64 << 10)),
    ws('ws: text frame that is not JSON', () => '\u0000{{{ not json'),
  ],
  oversized: [
    tcp('tcp: #! header announcing 4 GiB of meta', () => envelopeOf('', { meta: 0xffffffff, data: 0 })),
    tcp('tcp: #! header announcing 1 MiB + 1 of data', () => envelopeOf('', { meta: 10, data: (1 << 20) - 9 })),
    tcp('tcp: DF02 header announcing 2 GiB', () => df02Header(0x7fffffff, 0)),
    http('http: 64 KiB header line', () => request('GET /api/status HTTP/1.1', `Host: soak\r\nX-Big: ${'x'.repeat(64 << 10)}\r\n`)),
    ws('ws: 2 MiB text frame', () => `{"type":"command","pad":"${'x'.repeat(2 << 20)}"}`),
  ],
  deep: [
    tcp(`tcp: arrays ${DEPTH} deep in 'voltage'`, () => envelopeOf(deepArrays)),
    tcp(`tcp: objects ${DEPTH} deep in 'block'`, () => envelopeOf(deepObjects)),
    ws(`ws: arrays ${DEPTH} deep in 'voltage'`, () => deepArrays),
    ws(`ws: objects ${DEPTH} deep in 'block'`, () => deepObjects),
  ],
  'http-odd': [
    http('GET // HTTP/1.1', () => request('GET // HTTP/1.1')),
    http('GET http:// HTTP/1.1', () => request('GET http:// HTTP/1.1')),
    http('GET //api/status HTTP/1.1', () => request('GET //api/status HTTP/1.1')),
    http('GET http://[::1 HTTP/1.1', () => request('GET http://[::1 HTTP/1.1')),
    http('GET /%zz HTTP/1.1', () => request('GET /%zz HTTP/1.1')),
    http('GET /../../../etc/passwd HTTP/1.1', () => request('GET /../../../etc/passwd HTTP/1.1')),
    http('GET /<8 KiB path> HTTP/1.1', () => request(`GET /${'a'.repeat(8 << 10)} HTTP/1.1`)),
    http('GET / HTTP/9.9', () => request('GET / HTTP/9.9')),
    http('OPTIONS * HTTP/1.1', () => request('OPTIONS * HTTP/1.1')),
    http('CONNECT example.org:443 HTTP/1.1', () => request('CONNECT example.org:443 HTTP/1.1')),
    http('GET /channel with Upgrade but no key', () => request('GET /channel HTTP/1.1', 'Host: soak\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n')),
    http('binary junk', () => randomBytes(512)),
  ],
};

/** Sends every input of `cls` in turn; `tally` gets one count per input and verdict. */
export async function runAttack(cls: SoakClass, endpoint: Endpoint, tally: AttackTally): Promise<void> {
  for (const input of ATTACKS[cls] ?? []) {
    const verdict = await input.send(endpoint);
    const byVerdict = (tally[input.name] ??= {});
    byVerdict[verdict] = (byVerdict[verdict] ?? 0) + 1;
  }
}
