// Bundles each executable into one file at build time (after tsc, from dist/), so a process reads
// a few files before Online's port is bound rather than hundreds: a Windows rack PC's on-access
// antivirus reads every module file far more slowly than a development machine. Run by
// `npm run build` (its postbuild step).
//
// dist/bundle/<tool>.js: each executable, with the parts it imports lazily (the server proper,
//   loaded once the port is bound; the logger; prom-client on the first scrape) as chunks of its
//   own under dist/bundle/chunks/, still loaded only when imported.
// dist/bundle/supervise.js: the port-holding supervisor (process-supervisor.ts), one file, with the
//   configuration file's reader as a chunk of its own (loaded only with --config).
// koffi and serialport (native) stay in node_modules: the code requires them at run time.
// dist/ keeps tsc's output for the tests and the benches.
//
// Whitespace and comments are left out (names are kept): V8 holds each loaded file's source for the
// life of the process, to compile a function when it is first called, and the server's chunks came
// to 1.7 MB of heap as written, 1.2 MB without them (an idle server's RSS 0.6-1 MiB lower). A stack
// trace still names its functions; its line and column are the bundle's, and
// `node --enable-source-maps` maps them back to the TypeScript through the .map beside each file.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { asciiOnly } from './ascii-only.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'dist', 'bundle');

export const TOOLS = ['hv-server', 'hv-client', 'hv-sim', 'hv-calibrate', 'hv-detector'] as const;

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outdir: out,
  chunkNames: 'chunks/[name]-[hash]',
  // Native modules, and the optional native helpers of ws that are not installed.
  external: ['koffi', 'serialport', 'bufferutil', 'utf-8-validate'],
  // The CommonJS packages in the bundle (pino, commander, ajv…) require Node's own modules.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  minifyWhitespace: true,
  // Linked maps, without the sources' text: read only under --enable-source-maps.
  sourcemap: 'linked',
  sourcesContent: false,
};

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  // One build per executable: a chunk is then shared only between an executable's own parts, and
  // the code one executable loads before its port is not split by what another needs.
  await Promise.all(TOOLS.map((tool) => build({ ...common, entryPoints: { [tool]: join(root, 'dist', 'app', 'cli', `${tool}.js`) }, splitting: true })));
  // The supervisor: one file, and the configuration file's reader (YAML) as a chunk loaded only where there is a file.
  await build({ ...common, entryPoints: { supervise: join(root, 'dist', 'src', 'kit', 'cli', 'supervise-if-wanted.js') }, splitting: true });
  asciiOnly(out);
}

await main();
