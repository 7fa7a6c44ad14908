// Ports a test must name before anything binds them: a server restarted on the port it had, a
// simulator started again on its own, a systemd socket unit. Port 0 cannot do that.
//
// They are taken below the system's ephemeral range. A port found free there (port 0's own answer
// included) can be handed to any process's outgoing connection, or to another test's port 0, before
// the test binds it or while its server is down between two runs; below the range only a process
// that names its port could take it, and the check below sees those that hold one already.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The ports the system gives out for port 0 and outgoing connections. */
export function ephemeralPorts(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return { low: low!, high: high! };
  } catch {
    // Not Linux: the IANA range, which Windows and macOS use.
  }
  return { low: 49152, high: 65535 };
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive ports that are free on `host` now, below the ephemeral range. */
export async function freePortRange(count: number, host = '127.0.0.1'): Promise<number> {
  const { low } = ephemeralPorts();
  const [from, to] = low > 20_000 + 1000 ? [20_000, low - count] : [10_000, 20_000];
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = from + Math.floor(Math.random() * (to - from));
    const checks = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i, host)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports on ${host} between ${from} and ${to + count - 1} in 50 tries`);
}

/** One port that is free now, below the ephemeral range. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return freePortRange(1, host);
}
