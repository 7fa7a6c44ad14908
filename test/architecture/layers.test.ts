// The project's layers, checked on every import: arrows point down only. The kit knows no
// manager; the HV manager knows the kit and not the simulator; the simulator may use the HV
// manager's physics (calibration fitting) and the kit; the detector example knows only the kit;
// the composition root (app/) may know everything below it. docs/architecture.md draws the same.
// The detector takes the kit from its public surface (src/kit/index.ts) only.

import { describe, expect, it } from 'vitest';
import { importsOf, sources } from './project-imports.js';

type Layer = 'kit' | 'hv' | 'sim' | 'detector' | 'app' | 'tooling';

/** Which layer a project file belongs to, by its path. */
export function layerOf(path: string): Layer | null {
  if (path.startsWith('src/kit/')) return 'kit';
  if (path.startsWith('src/') || path.startsWith('machines/') || path.startsWith('schemas/')) return 'hv';
  if (path.startsWith('sim/')) return 'sim';
  if (path.startsWith('detector/')) return 'detector';
  if (path.startsWith('app/')) return 'app';
  if (path.startsWith('bench/') || path.startsWith('scripts/') || path.startsWith('test/')) return 'tooling';
  return null;
}

/** What each layer may import (itself included). */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  kit: ['kit'],
  hv: ['hv', 'kit'],
  sim: ['sim', 'hv', 'kit'],
  detector: ['detector', 'kit'],
  app: ['app', 'sim', 'hv', 'detector', 'kit'],
  tooling: ['tooling', 'app', 'sim', 'hv', 'detector', 'kit'],
};

/** The kit's public surface: a manager other than the rack takes the kit from here only. */
const KIT_SURFACE = 'src/kit/index.js';

/** Every import that points up or sideways: "src/kit/x.ts imports src/hv/y.js (kit may import kit)". */
export function violations(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [path, text] of files) {
    const from = layerOf(path);
    if (!from) continue;
    for (const target of importsOf(path, text)) {
      const to = layerOf(target);
      if (to && !MAY_IMPORT[from].includes(to)) found.push(`${path} imports ${target} (${from} may import ${MAY_IMPORT[from].join(', ')})`);
      else if (from === 'detector' && to === 'kit' && target !== KIT_SURFACE) found.push(`${path} imports ${target} (the detector takes the kit from ${KIT_SURFACE} only)`);
    }
  }
  return found;
}

describe('layers', () => {
  it('has no import pointing up: the kit knows no manager, src/ no simulator, the detector no HV', () => {
    const files = sources(['src', 'machines', 'schemas', 'sim', 'detector', 'app']);
    expect(files.size).toBeGreaterThan(150);
    expect(violations(files)).toEqual([]);
  });

  it('finds each kind of upward import, static, dynamic and JSON alike', () => {
    const files = new Map([
      ['src/kit/serve.ts', "import { rackManager } from '../hv/rack-manager.js';"],
      ['src/hv/server.ts', "const { SimulatedRack } = await import('../../sim/simulated-rack.js');"],
      ['detector/manager.ts', "import { blockMachine } from '../machines/block.machine.js';\nimport schema from '../schemas/config.schema.json' with { type: 'json' };"],
      ['machines/block.machine.ts', "export { x } from '../app/start-server.js';"],
      ['detector/clock.ts', "import type { Clock } from '../src/kit/clock/clock.js';\nimport { serveManager } from '../src/kit/index.js';"],
      ['sim/rack.ts', "import type { Clock } from '../src/kit/clock/clock.js';\nimport { fitTransfer } from '../src/hv/calibration/plant-fit.js';"],
      ['app/start.ts', "import { SimulatedRack } from '../sim/simulated-rack.js';"],
    ]);
    expect(violations(files)).toEqual([
      'src/kit/serve.ts imports src/hv/rack-manager.js (kit may import kit)',
      'src/hv/server.ts imports sim/simulated-rack.js (hv may import hv, kit)',
      'detector/manager.ts imports machines/block.machine.js (detector may import detector, kit)',
      'detector/manager.ts imports schemas/config.schema.json (detector may import detector, kit)',
      'machines/block.machine.ts imports app/start-server.js (hv may import hv, kit)',
      'detector/clock.ts imports src/kit/clock/clock.js (the detector takes the kit from src/kit/index.js only)',
    ]);
  });
});
