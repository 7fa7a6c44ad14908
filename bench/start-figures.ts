// The start figures of bench:load: how soon Online's port accepts and the server is ready after its
// process is spawned, beside the same time for a bare `node` that opens a port (the reference,
// measured in the same run, interleaved with the server's runs so the machine's load falls on both
// alike), and how many files the process opens before Online's port is bound (strace, every file
// any of its processes opens, not only modules: a Windows rack PC's on-access antivirus reads each).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The reference: a bare `node` script that opens a TCP port, as small as a server can be. */
export function bareNodeArgs(port: number): string[] {
  return ['-e', `require('node:net').createServer((s) => s.destroy()).listen(${port}, '127.0.0.1')`];
}

/** Resolves when something accepts on `port`, with the time since `since` (performance.now ms). */
export async function firstAccept(port: number, since: number): Promise<number> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return performance.now() - since;
    await sleep(2);
  }
}

export interface StartRun {
  portMs: number;
  /** When the process printed its `ready:` line; null for the bare node. */
  readyMs: number | null;
}

function ended(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** Spawns `node args`, probes `port` from the first moment, and waits for `ready` in its output if given; then stops it. */
export async function timeStart(args: string[], port: number, ready: RegExp | null, cwd: string): Promise<StartRun> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let readyAt = 0;
  let sawReady: () => void = () => {};
  const readySeen = new Promise<void>((r) => (sawReady = r));
  const keep = (d: Buffer) => {
    if (out.length < 100_000) out += d.toString();
    if (ready && !readyAt && ready.test(out)) {
      readyAt = performance.now();
      sawReady();
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = ended(child).then(() => {
    throw new Error(`node ${args.join(' ')} exited before it was ready:\n${out}`);
  });
  const portMs = await Promise.race([firstAccept(port, spawnedAt), exited]);
  if (ready) await Promise.race([readySeen, exited]);
  exited.catch(() => {});
  child.kill('SIGTERM');
  await ended(child);
  return { portMs, readyMs: ready ? readyAt - spawnedAt : null };
}

/** What strace saw before the port was bound. */
export interface FilesBeforePort {
  /** Successful opens (open, openat) of files, every process. */
  opened: number;
  distinct: number;
  /** Opens that failed (a module resolver's probes, mostly). */
  failed: number;
  /** Directories opened to be listed, not counted above. */
  directories: number;
  /** Distinct files by where they are: the project's own, node_modules, the system's. */
  project: number;
  nodeModules: number;
  system: number;
}

/**
 * Runs `node args` under `strace -f` until something accepts on `port`, and counts the files its
 * processes opened before the bind() of that port. Null when strace is not installed.
 */
export async function filesBeforePort(args: string[], port: number, cwd: string): Promise<FilesBeforePort | null> {
  if (spawnSync('strace', ['-V'], { stdio: 'ignore' }).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'hv-strace-'));
  const trace = join(dir, 'trace');
  try {
    // A process group of its own: strace does not pass a SIGTERM on to what it traces, so the group gets it.
    const child = spawn('strace', ['-f', '-qq', '-e', 'trace=open,openat,bind', '-o', trace, process.execPath, ...args], { cwd, stdio: 'ignore', detached: true });
    const exited = ended(child).then(() => {
      throw new Error(`node ${args.join(' ')} under strace exited before it listened`);
    });
    try {
      await Promise.race([firstAccept(port, 0), exited]);
    } finally {
      exited.catch(() => {});
      process.kill(-child.pid!, 'SIGTERM');
    }
    await ended(child);
    return countOpens(readFileSync(trace, 'utf8'), port, cwd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Counts the opens in an `strace -f` trace before the bind of `port`; a call split across lines (unfinished/resumed) is joined by pid. */
export function countOpens(trace: string, port: number, projectRoot: string): FilesBeforePort {
  const unfinished = new Map<string, string>();
  const paths: string[] = [];
  let failed = 0;
  let directories = 0;
  for (const raw of trace.split('\n')) {
    const pid = /^(\d+)\s+/.exec(raw)?.[1] ?? '';
    let line = raw.slice(pid.length).trim();
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(line);
    if (resumed) {
      line = (unfinished.get(pid) ?? '') + resumed[1];
      unfinished.delete(pid);
    } else if (line.endsWith('<unfinished ...>')) {
      unfinished.set(pid, line.slice(0, -'<unfinished ...>'.length));
      continue;
    }
    if (line.startsWith('bind(') && line.includes(`htons(${port})`)) break;
    const open = /^open(?:at)?\((?:[^,]+, )?"([^"]*)".*\) = (-?\d+)/.exec(line);
    if (!open) continue;
    // A directory listed is not a file read (an antivirus scans files).
    if (line.includes('O_DIRECTORY')) {
      if (Number(open[2]) >= 0) directories++;
      continue;
    }
    if (Number(open[2]) >= 0) paths.push(open[1]!);
    else failed++;
  }
  const distinct = [...new Set(paths)];
  const nodeModules = distinct.filter((p) => p.includes('/node_modules/')).length;
  const project = distinct.filter((p) => p.startsWith(projectRoot) && !p.includes('/node_modules/')).length;
  return { opened: paths.length, distinct: distinct.length, failed, directories, project, nodeModules, system: distinct.length - project - nodeModules };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (v: number) => Math.round(v);
const ratio = (v: number) => Math.round(v * 100) / 100;

export interface StartFigures {
  report: Record<string, number>;
  /** Lines for the console: every run, the spread, the ratios. */
  lines: string[];
}

/**
 * `runs` starts of the server (`serverArgs(port)`, a fresh port each time) interleaved with as many
 * of the bare node; the medians, the spread and the ratios of the medians to the bare node's.
 */
export async function startFigures(options: { runs: number; root: string; basePort: number; serverArgs(tcpPort: number, httpPort: number): string[] }): Promise<StartFigures> {
  const { runs, root, basePort } = options;
  const ready = /ready: TCP/;
  const bare: number[] = [];
  const port: number[] = [];
  const readyTimes: number[] = [];
  // One start of each first, not counted: the first reads every file from disk, the others from the page cache.
  await timeStart(bareNodeArgs(basePort), basePort, null, root);
  await timeStart(options.serverArgs(basePort, basePort + 1), basePort, ready, root);
  for (let i = 0; i < runs; i++) {
    const p = basePort + 2 * (i + 1);
    bare.push((await timeStart(bareNodeArgs(p), p, null, root)).portMs);
    const run = await timeStart(options.serverArgs(p, p + 1), p, ready, root);
    port.push(run.portMs);
    readyTimes.push(run.readyMs!);
  }
  const filesPort = basePort + 2 * (runs + 1);
  const files = await filesBeforePort(options.serverArgs(filesPort, filesPort + 1), filesPort, root);
  const bareFiles = await filesBeforePort(bareNodeArgs(filesPort + 2), filesPort + 2, root);
  const spread = (values: number[]) => `${ms(Math.min(...values))}–${ms(Math.max(...values))}`;
  const report: Record<string, number> = {
    bare_node_port_ms: ms(median(bare)),
    start_to_online_port_ms: ms(median(port)),
    start_to_ready_ms: ms(median(readyTimes)),
    start_to_online_port_ratio: ratio(median(port) / median(bare)),
    start_to_ready_ratio: ratio(median(readyTimes) / median(bare)),
  };
  const lines = [
    `start, ${runs} runs each, interleaved (median, spread min–max, ms after spawn):`,
    `  bare node opening a port   ${ms(median(bare))}  (${spread(bare)})   runs ${bare.map(ms).join(' ')}`,
    `  Online's port accepts      ${ms(median(port))}  (${spread(port)})   runs ${port.map(ms).join(' ')}   ratio ${report.start_to_online_port_ratio} (target ≤ 2.5)`,
    `  everything ready           ${ms(median(readyTimes))}  (${spread(readyTimes)})   runs ${readyTimes.map(ms).join(' ')}   ratio ${report.start_to_ready_ratio} (target ≤ 4)`,
    `  per-run ratios port/bare   ${port.map((p, i) => ratio(p / bare[i]!)).join(' ')}   median ${ratio(median(port.map((p, i) => p / bare[i]!)))}`,
    `  per-run ratios ready/bare  ${readyTimes.map((r, i) => ratio(r / bare[i]!)).join(' ')}   median ${ratio(median(readyTimes.map((r, i) => r / bare[i]!)))}`,
  ];
  if (files && bareFiles) {
    Object.assign(report, {
      files_opened_before_online_port: files.opened,
      files_distinct_before_online_port: files.distinct,
      files_failed_opens_before_online_port: files.failed,
      bare_node_files_opened: bareFiles.opened,
    });
    lines.push(
      `  files opened before Online's port is bound (strace -f, every process): ${files.opened} (${files.distinct} distinct: project ${files.project}, node_modules ${files.nodeModules}, system ${files.system}; ${files.failed} failed opens, ${files.directories} directories listed); bare node: ${bareFiles.opened} (${bareFiles.failed} failed)`,
    );
  } else lines.push('  files opened before Online\'s port: not counted (strace is not installed)');
  return { report, lines };
}
