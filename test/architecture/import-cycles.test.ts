// No import cycle anywhere in the project: each file can be read, tested and split knowing only
// what it imports. Type-only and dynamic imports count too (see project-imports.ts).

import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, sources } from './project-imports.js';

/** Every directory of the project's own TypeScript. */
const PROJECT = ['src', 'machines', 'schemas', 'sim', 'detector', 'app', 'bench', 'scripts', 'test'];

describe('import cycles', () => {
  it('the kit has none', () => {
    const graph = importGraph(sources(['src/kit']));
    expect(graph.size).toBeGreaterThan(100);
    expect(importCycles(graph)).toEqual([]);
  });

  it('the whole project has none, its tests and benches included', () => {
    const graph = importGraph(sources(PROJECT));
    expect(graph.size).toBeGreaterThan(350);
    expect(importCycles(graph)).toEqual([]);
  });

  it('finds a cycle through type-only, re-exported and dynamic imports, and tells it as its shortest loop', () => {
    const files = new Map([
      ['src/kit/log/logger.ts', "import { LogFile } from './log-file.js';"],
      ['src/kit/log/log-file.ts', "import { unwatchedHealth, type StorageHealth } from '../storage/storage-health.js';"],
      ['src/kit/storage/storage-health.ts', "import type { AlarmTable } from '../alarms/alarm-table.js';"],
      ['src/kit/alarms/alarm-table.ts', "import type { Logger } from '../log/logger.js';\nexport { x } from './other.js';"],
      ['src/kit/alarms/other.ts', "const m = await import('./alarm-table.js');"],
      ['src/kit/a.ts', "import './a.js';"],
      ['src/kit/leaf.ts', "import { y } from 'some-package';\nimport schema from './schema.json' with { type: 'json' };"],
    ]);
    expect(importCycles(importGraph(files))).toEqual([
      'src/kit/a.ts → src/kit/a.ts',
      'src/kit/alarms/alarm-table.ts → src/kit/alarms/other.ts → src/kit/alarms/alarm-table.ts',
    ]);
    files.delete('src/kit/alarms/other.ts');
    expect(importCycles(importGraph(files))).toEqual([
      'src/kit/a.ts → src/kit/a.ts',
      'src/kit/alarms/alarm-table.ts → src/kit/log/logger.ts → src/kit/log/log-file.ts → src/kit/storage/storage-health.ts → src/kit/alarms/alarm-table.ts',
    ]);
  });

  it('a graph that only points down has none', () => {
    const files = new Map([
      ['app/start.ts', "import { a } from '../src/kit/a.js';\nimport { b } from '../src/kit/b.js';"],
      ['src/kit/a.ts', "import { b } from './b.js';"],
      ['src/kit/b.ts', "export const b = 1;"],
    ]);
    expect(importCycles(importGraph(files))).toEqual([]);
  });
});
