// Files on Windows (under Wine), in folders whose names have spaces and Cyrillic letters:
// - a simulated day (hv-sim day, the real server on a discrete-event clock) writes readings files
//   byte for byte as on Linux, and the learned transfer store, replaced on every save by a rename
//   over the old file, ends as on Linux with no temporary file left;
// - the server's JSON log rolls over by size; the present file is the highest-numbered one (no
//   current.log link on Windows, where only administrators may make one).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cDrive, launchServer, projectRoot, runNodeExe, until, windowsKit } from './helpers/windows-kit.js';

const kit = windowsKit();
const linuxDir = mkdtempSync(join(tmpdir(), 'hv-wine-paths-'));

afterAll(() => {
  rmSync(linuxDir, { recursive: true, force: true });
});

/** Every file under `dir`, by its path relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).replace(/\\/g, '/'))
    .sort();
}

describe('readings, transfer store and log on Windows paths', () => {
  it('a simulated day writes the same readings files, byte for byte, and the same transfer store as on Linux', async () => {
    const day = ['day', '--hours', '1', '--seed', '7', '--json'];
    const linuxData = join(linuxDir, 'day');
    const onLinux = spawnSync(process.execPath, [join(projectRoot, 'bin/hv-sim.js'), ...day, '--data-dir', linuxData], { cwd: projectRoot, encoding: 'utf8' });
    expect(onLinux.status, onLinux.stderr).toBe(0);
    const windowsData = cDrive(kit, 'hv data тест/day');
    const onWindows = await runNodeExe(kit, 'hv-sim', [...day, '--data-dir', windowsData.windows]);
    expect(onWindows.code, onWindows.output).toBe(0);
    const digest = (out: string) => (JSON.parse(out.slice(out.indexOf('{'))) as { digest: string; totals: { expected: number; logged: number } });
    expect(digest(onWindows.output).digest).toBe(digest(onLinux.stdout).digest);
    expect(digest(onWindows.output).totals.logged).toBe(digest(onLinux.stdout).totals.expected);

    const compared = (files: string[]) => files.filter((f) => f.endsWith('.tsv') || f.startsWith('transfer/'));
    const linuxFiles = compared(filesUnder(linuxData));
    expect(linuxFiles).toEqual(expect.arrayContaining(['HV/26-03-02-virtual.tsv', 'HV2/26-03-02-virtual.tsv', 'GUN/26-03-02-virtual.tsv', 'transfer/block-1.json']));
    expect(compared(filesUnder(windowsData.linux))).toEqual(linuxFiles);
    for (const file of linuxFiles) expect(readFileSync(join(windowsData.linux, file)).equals(readFileSync(join(linuxData, file))), file).toBe(true);
    // Every save renamed its temporary file over the store: none is left behind.
    expect(filesUnder(windowsData.linux).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('the server’s JSON log rolls over by size, the last lines in the highest-numbered file', async () => {
    const config = cDrive(kit, 'hv config тест/log.yaml');
    mkdirSync(join(config.linux, '..'), { recursive: true });
    writeFileSync(config.linux, ['sim: true', 'time_scale: 20', 'log:', '  file_level: debug', '  rotate_size_mb: 0.02', ''].join('\n'));
    const data = cDrive(kit, 'hv data тест/log');
    const server = await launchServer(kit, ['--config', config.windows, '--data-dir', data.windows, '--tcp-port', '0', '--http-port', '0'], { stopTimeoutMs: 40_000 });
    const logs = join(data.linux, 'logs');
    const rolled = () => (existsSync(logs) ? readdirSync(logs).filter((f) => /^hv-server\.\d{4}-\d\d-\d\d\.\d+\.log$/.test(f)) : []);
    try {
      await until(() => rolled().length >= 3, 'the log to roll over twice', 60_000, () => readdirSync(logs).join(' '));
    } finally {
      expect((await server.stop('ctrl-c')).code).toBe(0);
    }
    // Each file is whole JSON lines, within about the size asked (a line may cross it).
    for (const file of rolled()) {
      const text = readFileSync(join(logs, file), 'utf8');
      for (const line of text.trim().split('\n')) expect(() => JSON.parse(line), `${file}: ${line}`).not.toThrow();
    }
    const newest = rolled().sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2])).pop()!;
    expect(JSON.parse(readFileSync(join(logs, newest), 'utf8').trim().split('\n').pop()!)).toMatchObject({ msg: 'stopped' });
    expect(readdirSync(logs)).not.toContain('current.log');
  });
});
