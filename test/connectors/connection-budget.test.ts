// The open-files budget: Online's TCP connections are kept out of what the web side may take, and
// caps that do not fit the limit are lowered with a sentence that says so.
import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { descriptorUsage } from '../../src/hv/config/descriptor-usage.js';
import { fileDescriptors, fitBudget, instrumentDescriptors, SPARE_FDS, startBudget } from '../../src/kit/connectors/connection-budget.js';
import { openDescriptors, openFilesLimit, parseProcLimits, raiseSoftLimit, setOpenFilesLimit } from '../../src/kit/connectors/open-files.js';
import { WindowedLog } from '../../src/kit/connectors/windowed-log.js';
import { loadConfig } from '../../src/hv/config/load-config.js';

const configured = {
  tcp: { maxConnections: 32, maxPerAddress: 16 },
  http: { maxConnections: 5000, maxPerAddress: 5000 },
  websocket: { maxClients: 64, maxClientsPerAddress: 16 },
};

describe('fitBudget', () => {
  it('keeps configured caps that fit', () => {
    const budget = fitBudget({ limit: 65536, inUse: 20, instruments: 0, files: 12, ...configured });
    expect(budget.http).toEqual({ maxConnections: 5000, maxPerAddress: 5000 });
    expect(budget.lowered).toEqual([]);
  });

  it('lowers the web side, never the TCP connector, so that everything fits the limit', () => {
    const input = { limit: 1024, inUse: 20, instruments: 2, files: 12, ...configured };
    const budget = fitBudget(input);
    const left = 1024 - 20 - 2 - 12 - SPARE_FDS - 32;
    expect(budget.webFds).toBe(left);
    expect(budget.http.maxConnections).toBe(Math.floor(left / 2));
    expect(budget.http.maxPerAddress).toBe(Math.floor(left / 2));
    expect(budget.tcp).toEqual(configured.tcp);
    expect(budget.websocket).toEqual(configured.websocket);
    // Worst case: every web connection with a file open, every TCP client connected.
    expect(input.inUse + input.instruments + input.files + SPARE_FDS + budget.tcp.maxConnections + 2 * budget.http.maxConnections).toBeLessThanOrEqual(1024);
    expect(budget.lowered[0]).toBe(
      `limits.http.max_connections lowered from 5000 to ${Math.floor(left / 2)}: the open-files limit is 1024; 20 descriptors in use at start, ` +
        `2 for instruments, 12 for readings and log files, ${SPARE_FDS} spare and 32 kept for Online's TCP connector (limits.tcp.max_connections) ` +
        `leave ${left}, at 2 per web connection; raise the limit (ulimit -n) to keep 5000`,
    );
    expect(budget.lowered[1]).toMatch(/^limits\.http\.max_per_address lowered from 5000 to \d+: no more than limits\.http\.max_connections$/);
  });

  it('brings the websocket caps under the HTTP cap they are part of', () => {
    const budget = fitBudget({ limit: 200, inUse: 20, instruments: 0, files: 12, ...configured });
    expect(budget.http.maxConnections).toBe(Math.floor((200 - 20 - 12 - SPARE_FDS - 32) / 2));
    expect(budget.http.maxConnections).toBeLessThan(64);
    expect(budget.websocket.maxClients).toBe(budget.http.maxConnections);
    expect(budget.lowered.some((l) => l.startsWith('limits.websocket.max_clients lowered from 64 to'))).toBe(true);
  });

  it('leaves one web connection and says the limit is too low even for the rest', () => {
    const budget = fitBudget({ limit: 64, inUse: 20, instruments: 0, files: 12, ...configured });
    expect(budget.http.maxConnections).toBe(1);
    expect(budget.tcp.maxConnections).toBe(32);
    expect(budget.lowered[0]).toMatch(/the limit is too low even for the rest: at least 98 needed/);
  });

  it('keeps the configured caps where there is no limit (Windows)', () => {
    expect(fitBudget({ limit: null, inUse: 0, instruments: 0, files: 12, ...configured }).http.maxConnections).toBe(5000);
  });
});

describe('descriptors to keep', () => {
  it('counts one per instrument connection (a Prologix adapter once), the VISA library, and nothing for simulators', () => {
    const config = loadConfig();
    expect(instrumentDescriptors(descriptorUsage(config))).toBe(0);
    config.blocks[0]!.output.resource = 'PRLGX-TCPIP::10.0.0.5::1234::INTFC';
    config.voltmeters[0]!.resource = 'PRLGX-TCPIP::10.0.0.5::1234::INTFC';
    config.voltmeters[1]!.resource = 'TCPIP::10.0.0.6::5025::SOCKET';
    expect(instrumentDescriptors(descriptorUsage(config))).toBe(2);
    config.voltmeters[2]!.resource = 'GPIB0::22::INSTR';
    expect(instrumentDescriptors(descriptorUsage(config))).toBe(3 + 16);
  });

  it('counts two readings files per series, the log, the transfer store and the sync pipes', () => {
    const config = loadConfig();
    expect(fileDescriptors(config, descriptorUsage(config))).toBe(2 * 3 + 3);
    config.readings_log.sync_command = 'true';
    expect(fileDescriptors(config, descriptorUsage(config))).toBe(2 * 3 + 3 + 3);
  });
});

describe('open files (Linux)', () => {
  it('reads the limit as the shell sees it, and counts the descriptors in use', () => {
    const shell = execFileSync('bash', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
    const limit = openFilesLimit();
    // The shell is a child of this process: it inherits the limit Node raised at start.
    expect(limit).toMatchObject({ soft: Number(shell[0]), hard: shell[1] === 'unlimited' ? Infinity : Number(shell[1]), source: '/proc/self/limits' });
    expect(limit!.soft).toBe(limit!.hard); // Node raises the soft limit to the hard one at start
    const before = openDescriptors()!;
    expect(before).toBeGreaterThan(3);
    expect(parseProcLimits('Limit  Soft Limit  Hard Limit  Units\nMax open files            1024                 4096                 files     \n')).toEqual({ soft: 1024, hard: 4096 });
    expect(parseProcLimits('Max open files  unlimited  unlimited  files')).toEqual({ soft: Infinity, hard: Infinity });
  });

  it('reads and sets the limit through libc too, and raises a lowered soft limit back to the hard one', () => {
    const proc = openFilesLimit()!;
    expect(openFilesLimit('libc')).toEqual({ soft: proc.soft, hard: proc.hard, source: 'getrlimit(2)' });
    const lower = openDescriptors()! + 64;
    try {
      expect(setOpenFilesLimit(lower, proc.hard)).toBe(true);
      expect(openFilesLimit()).toMatchObject({ soft: lower, hard: proc.hard });
      expect(raiseSoftLimit()).toMatchObject({ soft: proc.hard, hard: proc.hard });
    } finally {
      setOpenFilesLimit(proc.soft, proc.hard);
    }
  });

  it('logs the limit once at start, and a warning for each cap it lowers', () => {
    const config = loadConfig();
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const log = {
      info: (fields: object, message: string) => lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
      warn: (fields: object, message: string) => lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
    };
    startBudget(config, descriptorUsage(config), log);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toMatch(
      /^open files: limit \d+ \(hard \d+, from \/proc\/self\/limits\), \d+ in use at start; connection caps: TCP 32 \(16 per address, reserved\), HTTP 256 \(32 per address\), websocket 64 \(16 per address\)$/,
    );
    config.limits.http.max_connections = openFilesLimit()!.soft; // never fits beside the rest
    lines.length = 0;
    startBudget(config, descriptorUsage(config), log);
    expect(lines.map((l) => l.level)).toEqual(['info', 'warn']);
    expect(lines[1]!.fields.code).toBe('CAP_LOWERED');
    expect(lines[1]!.message).toMatch(/^limits\.http\.max_connections lowered from \d+ to \d+: the open-files limit is \d+; /);
  });
});

describe('WindowedLog', () => {
  it('logs the first event at once and the rest of a flood as one count at the end of the window', () => {
    vi.useFakeTimers();
    try {
      const lines: [object, string][] = [];
      const log = new WindowedLog({ warn: (f, m) => lines.push([f, m]) }, 10_000, () => Date.now());
      for (let i = 0; i < 1000; i++) log.warn({ remote: `10.0.0.${i % 250}` }, `refused ${i}`);
      expect(lines).toEqual([[{ remote: '10.0.0.0', suppressed: 0 }, 'refused 0']]);
      vi.advanceTimersByTime(10_000);
      expect(lines[1]).toEqual([{ remote: '10.0.0.249', suppressed: 999 }, '999 more like this in the last 10 s; the latest: refused 999']);
      // Quiet for a while: the next one is logged at once again.
      vi.advanceTimersByTime(60_000);
      log.warn({}, 'refused later');
      expect(lines[2]).toEqual([{ suppressed: 0 }, 'refused later']);
    } finally {
      vi.useRealTimers();
    }
  });
});
