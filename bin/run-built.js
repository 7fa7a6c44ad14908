// Runs one of the command-line tools, from its bundle (dist/bundle/<tool>.js, scripts/bundle.ts):
// one file and the chunks it imports, rather than the hundreds of modules of dist/, since a rack PC's
// on-access antivirus reads each file it opens slowly. They are built once, at `npm ci` /
// `npm install` (the `prepare` script) or by `npm run build`, never at start: the server must bind
// Online's port within a fraction of a second of being started.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The newest modification time of the TypeScript sources, or 0 where there are none (an installed package). */
function newestSource(root) {
  let newest = 0;
  // An installed package ships schemas/*.ts for its types but no src/: nothing there to compile.
  if (!existsSync(fileURLToPath(new URL('../src/', root)))) return 0;
  for (const dir of ['app', 'src', 'machines', 'sim', 'schemas', 'detector']) {
    const path = fileURLToPath(new URL(`../${dir}/`, root));
    if (!existsSync(path)) continue;
    for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
    }
  }
  return newest;
}

/**
 * Runs `tool`. With `supervised`, a small supervising process holds Online's port and runs the
 * server in a worker process that it starts again after a crash (dist/bundle/supervise.js, from
 * src/kit/cli/process-supervisor.ts), unless `--no-supervise` is given or systemd holds the port.
 */
export async function runBuilt(tool, { supervised = false } = {}) {
  const entry = new URL(`../dist/bundle/${tool}.js`, import.meta.url);
  if (!existsSync(fileURLToPath(entry))) {
    process.stderr.write(`${tool}: not built yet; run \`npm run build\` in the project directory first\n`);
    process.exit(2);
  }
  // Walking the sources takes a moment: a server checks a second after it started, not before Online's port.
  const warnIfStale = () => {
    if (newestSource(import.meta.url) > statSync(fileURLToPath(entry)).mtimeMs) {
      process.stderr.write(`${tool}: the sources are newer than the compiled code in dist/; running the compiled code (\`npm run build\` compiles them)\n`);
    }
  };
  if (supervised) {
    const { superviseIfWanted } = await import(new URL('../dist/bundle/supervise.js', import.meta.url).href);
    const supervising = superviseIfWanted({ name: tool, entry: fileURLToPath(entry), argv: process.argv.slice(2) });
    setTimeout(warnIfStale, 1000).unref();
    if (supervising) return; // the server runs in its own process, started just now
  } else warnIfStale();
  await import(entry.href);
}
