// Debian's real Prometheus and Alertmanager for the tests, each in its own process with its own
// configuration, data directory and port (bound to port 0 and read back from its log), so a system
// service installed with the packages (ports 9090, 9093, 9094) neither serves nor disturbs a test.
// The configurations are examples/prometheus/'s, with the targets pointed at the test's processes
// and the intervals shortened.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { root } from './server-process.js';

export const EXAMPLES = join(root, 'examples/prometheus');

/** Debian's names (packages prometheus and prometheus-alertmanager). */
export const PROMETHEUS = 'prometheus';
export const PROMTOOL = 'promtool';
export const ALERTMANAGER = 'prometheus-alertmanager';
export const AMTOOL = 'amtool';

export interface Daemon {
  process: ChildProcess;
  port: number;
  /** Everything it logged so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `command` and resolves once its log has said every one of `ready` and the address it
 * listens on ("Listening on" address=127.0.0.1:PORT, from Prometheus's exporter-toolkit).
 */
export function startDaemon(command: string, args: string[], ready: RegExp[], cwd: string, timeoutMs = 30_000): Promise<Daemon> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop();
      reject(new Error(`${command} ${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs} ms`), timeoutMs);
    const look = (d: Buffer) => {
      output += d;
      const listening = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(output);
      if (settled || !listening || !ready.every((r) => r.test(output))) return;
      settled = true;
      clearTimeout(timer);
      child.stdout!.off('data', look);
      child.stderr!.off('data', look);
      child.stdout!.on('data', (more) => (output += more));
      child.stderr!.on('data', (more) => (output += more));
      resolve({ process: child, port: Number(listening[1]), output: () => output, stop });
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('error', (err) => fail(`could not start (${err.message}); Debian: apt-get install prometheus prometheus-alertmanager`));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
  });
}

/** Alertmanager with examples/prometheus/alertmanager.yml, its webhook pointed at `webhookUrl`, waits of `groupWait`. */
export async function startAlertmanager(dir: string, webhookUrl: string, groupWait = '1s'): Promise<Daemon & { config: string }> {
  const config = parse(readFileSync(join(EXAMPLES, 'alertmanager.yml'), 'utf8')) as AlertmanagerConfig;
  const hv = config.route.routes.find((r) => r.receiver === 'hv-operators')!;
  hv.group_wait = groupWait;
  hv.group_interval = groupWait;
  config.receivers.find((r) => r.name === 'hv-operators')!.webhook_configs![0]!.url = webhookUrl;
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, stringify(config));
  const daemon = await startDaemon(
    ALERTMANAGER,
    // No cluster: it would bind 0.0.0.0:9094 for gossip (taken by a system service, and by a second test).
    [`--config.file=${file}`, `--storage.path=${join(dir, 'alertmanager')}`, '--web.listen-address=127.0.0.1:0', '--cluster.listen-address='],
    [/Completed loading of configuration file/],
    dir,
  );
  return { ...daemon, config: file };
}

/** Prometheus with examples/prometheus/prometheus.yml and its rules, scraping `hvTarget` and evaluating every `interval`. */
export async function startPrometheus(dir: string, hvTarget: string, alertmanagerTarget: string, interval = '1s'): Promise<Daemon & { config: string }> {
  const config = parse(readFileSync(join(EXAMPLES, 'prometheus.yml'), 'utf8')) as PrometheusConfig;
  config.global.scrape_interval = interval;
  config.global.scrape_timeout = interval;
  config.global.evaluation_interval = interval;
  config.rule_files = config.rule_files.map((f) => join(EXAMPLES, f));
  config.alerting.alertmanagers[0]!.static_configs[0]!.targets = [alertmanagerTarget];
  const job = config.scrape_configs.find((j) => j.job_name === 'hv-server')!;
  job.static_configs[0]!.targets = [hvTarget];
  const file = join(dir, 'prometheus.yml');
  writeFileSync(file, stringify(config));
  const daemon = await startDaemon(
    PROMETHEUS,
    [`--config.file=${file}`, `--storage.tsdb.path=${join(dir, 'prometheus')}`, '--web.listen-address=127.0.0.1:0'],
    [/Server is ready to receive web requests/],
    dir,
  );
  return { ...daemon, config: file };
}

interface AlertmanagerConfig {
  route: { receiver: string; routes: { receiver: string; group_wait?: string; group_interval?: string }[] };
  receivers: { name: string; webhook_configs?: { url: string }[] }[];
}

interface PrometheusConfig {
  global: Record<string, string>;
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}
