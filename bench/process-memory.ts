// A process's memory as Linux counts it, and the references bench:load measures beside the server:
// what a bare `node` and a `node` with an HTTP server hold at the same moment after their start.
// Absolute figures differ from machine to machine (the pages of the Node binary a process touches,
// how the kernel maps them); the ratio to a bare node run beside it carries over.

import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  /** Resident set, MiB. */
  rss: number;
  /** Private memory (the V8 heap, malloc, stacks), MiB. */
  anon: number;
  /** Pages of files (the Node binary and its libraries), MiB. */
  file: number;
}

const round1 = (mib: number) => Math.round(mib * 10) / 10;

/** The resident memory of `pid` now, from /proc/<pid>/status. */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: round1(kb('VmRSS') / 1024), anon: round1(kb('RssAnon') / 1024), file: round1(kb('RssFile') / 1024) };
}

/** The references: a node that only waits, and one that serves HTTP on a port of the system's choosing. */
const REFERENCES = {
  bare_node: 'setInterval(() => {}, 1 << 30);',
  node_http_server: "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1');",
} as const;

export type ReferenceName = keyof typeof REFERENCES;

/** Starts each reference process, reads its memory `atMs` after its start, and ends it. */
export async function referenceMemory(atMs: number): Promise<Record<ReferenceName, ProcessMemory>> {
  const entries = await Promise.all(
    (Object.entries(REFERENCES) as [ReferenceName, string][]).map(async ([name, script]) => {
      const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      await new Promise((r) => setTimeout(r, atMs));
      const memory = processMemory(child.pid!);
      child.kill();
      await exited;
      return [name, memory] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ReferenceName, ProcessMemory>;
}

/** The machine's line for a report: CPU model, cores, Node version. */
export function machineLine(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
}
