// The project's own imports, read from its sources: what the layer and cycle checks walk. Every
// relative specifier counts, `import type` and dynamic `import()` included: a type-only cycle is
// still two files that cannot be understood (or split) one without the other.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

/** The project files a source file imports (relative specifiers only; packages are not layers). */
export function importsOf(path: string, text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => normalize(join(dirname(path), m[2]!)).replace(/\\/g, '/'));
}

/** The TypeScript and JavaScript sources under `dirs`, by path from the project's root. */
export function sources(dirs: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of dirs) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|js)$/.test(entry.name) || entry.name.endsWith('.d.ts')) continue;
      const full = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
      files.set(relative(root, full).replace(/\\/g, '/'), readFileSync(full, 'utf8'));
    }
  }
  return files;
}

/** Each file's imports among `files` ("./x.js" is x.ts when there is no x.js); JSON and packages left out. */
export function importGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [path, text] of files) {
    const targets = importsOf(path, text).map((t) => (files.has(t) ? t : t.replace(/\.js$/, '.ts')));
    graph.set(path, [...new Set(targets.filter((t) => files.has(t)))]);
  }
  return graph;
}

/**
 * Every import cycle, one per set of files that reach each other (Tarjan's strongly connected
 * components), each told as its shortest loop from its first file: "a.ts → b.ts → a.ts".
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  // Recursion as deep as the longest import chain: a few dozen files here.
  const visit = (v: string) => {
    order.set(v, order.size);
    low.set(v, order.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) !== order.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component.sort());
  };
  for (const v of graph.keys()) if (!order.has(v)) visit(v);
  return components.map((c) => shortestLoop(graph, c[0]!, new Set(c)).join(' → ')).sort();
}

/** The shortest path from `start` back to itself through `within` (breadth first). */
function shortestLoop(graph: ReadonlyMap<string, readonly string[]>, start: string, within: ReadonlySet<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of graph.get(v) ?? []) {
      if (!within.has(w)) continue;
      if (w === start) {
        // Back from v along the way it was reached: start → … → v → start.
        const path = [start];
        for (let at = v; at !== start; at = cameFrom.get(at)!) path.unshift(at);
        return [start, ...path];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}
