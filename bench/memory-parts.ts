// Benchmark: what each part the server loads costs in memory. Each part is loaded alone in a fresh
// `node` (Node's ICU by using Intl, the HTTP parser by serving HTTP, crypto, each library the server
// imports), and its RSS, private memory, file pages and V8 heap 3 s later are printed beside those of
// a bare `node` measured in the same run. Parts share Node's own modules, so their costs overlap and
// do not add up to the server's: the figures say where the weight is, bench:load what it sums to.
// Usage: npm run bench:memory [-- --json FILE]

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineLine } from './process-memory.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Each part: a script (an ES module, run in the project's directory) that loads and uses it. */
const PARTS: Record<string, string> = {
  'bare node': '',
  'ICU (Intl date and number formats)': "new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', dateStyle: 'full', timeStyle: 'long' }).format(new Date()); (1234.5).toLocaleString('ru-RU');",
  'TCP server (node:net)': "const net = await import('node:net'); await new Promise((r) => net.createServer().listen(0, '127.0.0.1', r));",
  'HTTP server (HTTP parser)': "const http = await import('node:http'); await new Promise((r) => http.createServer((q, s) => s.end()).listen(0, '127.0.0.1', r));",
  'node:crypto (random bytes, a hash)': "const c = await import('node:crypto'); c.randomBytes(16); c.createHash('sha256').update('x').digest();",
  'node:zlib (deflate)': "const z = await import('node:zlib'); z.deflateSync(Buffer.alloc(1000));",
  nanoid: "const { nanoid } = await import('nanoid'); nanoid();",
  pino: "const { default: pino } = await import('pino'); pino({ level: 'info' }, pino.destination({ fd: 1, sync: true }));",
  'pino-pretty': "const { default: pretty } = await import('pino-pretty'); pretty({ singleLine: true });",
  'sonic-boom': "await import('sonic-boom');",
  nodemailer: "await import('nodemailer');",
  yaml: "const { parse } = await import('yaml'); parse('a: 1');",
  ajv: "const { Ajv } = await import('ajv'); new Ajv().compile({ type: 'object' });",
  xstate: "await import('xstate');",
  ws: "await import('ws');",
  commander: "await import('commander');",
  'lru-cache': "await import('lru-cache');",
};

interface PartMemory {
  rss: number;
  anon: number;
  file: number;
  heapUsed: number;
  heapTotal: number;
}

/** The script a part runs in: its own lines, then, `atMs` later, its memory on stdout. */
function probe(part: string, atMs: number): string {
  return `${part}
setTimeout(async () => {
  const { readFileSync } = await import('node:fs');
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (f) => Number(new RegExp(f + ':\\\\s+(\\\\d+) kB').exec(status)[1]);
  const m = process.memoryUsage();
  console.log(JSON.stringify({ rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024, heapUsed: m.heapUsed / 1048576, heapTotal: m.heapTotal / 1048576 }));
  process.exit(0);
}, ${atMs});`;
}

async function measure(part: string, atMs: number): Promise<PartMemory> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', probe(part, atMs)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`a part's probe exited with ${code}, expected 0; its script:\n${part}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as PartMemory;
}

async function main(): Promise<void> {
  const jsonAt = process.argv.indexOf('--json');
  const jsonOut = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;
  const atMs = 3000;
  // Two at a time: the machine's two cores, and each part's start does not slow another's reading.
  const names = Object.keys(PARTS);
  const results: Record<string, PartMemory> = {};
  for (let i = 0; i < names.length; i += 2) {
    const pair = names.slice(i, i + 2);
    const measured = await Promise.all(pair.map((name) => measure(PARTS[name]!, atMs)));
    pair.forEach((name, k) => (results[name] = measured[k]!));
  }
  const bare = results['bare node']!;
  const f = (n: number) => n.toFixed(1).padStart(6);
  const width = Math.max(...names.map((n) => n.length));
  process.stdout.write(`Memory of each part alone, ${atMs / 1000} s after a fresh node started, MiB, on ${machineLine()}\n`);
  process.stdout.write(`  ${'part'.padEnd(width)}    rss  +rss  anon  file  heap used (total)  rss per bare node\n`);
  for (const name of names) {
    const r = results[name]!;
    process.stdout.write(
      `  ${name.padEnd(width)} ${f(r.rss)} ${f(r.rss - bare.rss)} ${f(r.anon)} ${f(r.file)} ${f(r.heapUsed)} (${r.heapTotal.toFixed(1)})  ${(r.rss / bare.rss).toFixed(2)}\n`,
    );
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2) + '\n');
}

void main();
