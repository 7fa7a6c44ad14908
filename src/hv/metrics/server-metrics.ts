// The server in Prometheus's text format (/metrics), for the lab's Prometheus and Grafana: each
// block's reading (value and time), setpoint, deviation, state, active alarms and corrections;
// each active alarm by source and code; each connector's clients, commands by type and outcome,
// error replies by code; and the process itself.
// Block values are read from the actors' snapshots when scraped, so they are what /api/status
// shows at that moment; the counters are counted as the hub delivers (src/connectors/client-hub.ts).

import type { Registry } from 'prom-client';
import type { AnyActorRef } from 'xstate';
import { topState, type BlockContext } from '../../../machines/block.machine.js';
import { blockChildId } from '../../../machines/supervisor.machine.js';
import type { Origin } from '../../../machines/types.js';
import type { BlockConfig } from '../../../schemas/types.js';
import type { Alarm } from '../../kit/alarms/alarm-table.js';
import type { ChannelCounters } from '../../kit/alarms/notify/channel-delivery.js';
import type { ClientHub, HubTap } from '../../kit/connectors/client-hub.js';

export interface MetricsDeps {
  blocks: readonly BlockConfig[];
  connectors: readonly string[];
  hub: ClientHub;
  supervisor: () => AnyActorRef | null;
  alarms: () => Alarm[];
  /** Alarms nobody has acknowledged yet (active or latched, not shelved), by the highest severity each reached. */
  unacknowledged: () => Record<Alarm['severity'], number>;
  /** Each notification receiver's counts since the start. */
  notifications: () => ChannelCounters[];
}

/** Command types as labels: only the protocol's own, so a client cannot grow the label set. */
const COMMAND_TYPES = new Set(['set_voltage', 'set_voltage_and_check']);

interface ChildSnapshot {
  value: unknown;
  context: BlockContext;
}

export class ServerMetrics {
  private registry: Promise<Registry> | null = null;
  private readonly commandTypes = new WeakMap<Origin, string>();
  /** Counts by their labels' values, joined, kept from the start; the counters read them when scraped. */
  private readonly commands = new Map<string, number>();
  private readonly errorReplies = new Map<string, number>();

  constructor(private readonly deps: MetricsDeps) {
    deps.hub.tap(this.tap);
  }

  /**
   * The registry, made on the first scrape: prom-client (5 MB) is loaded only on a server that
   * is scraped. A registry of its own: several servers in one process (the tests) share nothing.
   */
  private load(): Promise<Registry> {
    // prom-client is CommonJS: its exports are the namespace's default, which Node gives as well as
    // the named ones, and the bundle (scripts/bundle.ts) only that.
    return (this.registry ??= import('prom-client').then((prom) => this.build(prom.default)));
  }

  private build({ collectDefaultMetrics, Counter, Gauge, Registry }: typeof import('prom-client')): Registry {
    const registry = new Registry();
    const registers = [registry];
    const deps = this.deps;
    collectDefaultMetrics({ register: registry });
    const blockLabels = ['block', 'name'] as const;
    const blockChild = (id: number) => this.blockSnapshot(id);
    const perBlock = (name: string, help: string, value: (snap: ChildSnapshot) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: blockLabels,
        registers,
        collect() {
          this.reset();
          for (const b of deps.blocks) {
            const snap = blockChild(b.id);
            const v = snap ? value(snap) : null;
            if (v !== null && Number.isFinite(v)) this.set({ block: String(b.id), name: b.name }, v);
          }
        },
      });
    perBlock('hv_block_reading_volts', 'Last HV reading of the block, volts', (s) => s.context.lastReading?.volts ?? null);
    perBlock('hv_block_setpoint_volts', 'Setpoint the block holds, volts', (s) => s.context.setpoint);
    perBlock('hv_block_deviation_volts', 'Last reading minus setpoint, volts', (s) =>
      s.context.lastReading && s.context.setpoint !== null ? s.context.lastReading.volts - s.context.setpoint : null,
    );
    // A timestamp, not an age (Prometheus's advice): `changes()` over a window shows readings that
    // stopped whatever the clock, including a training run's scaled one and a skewed control PC's.
    perBlock('hv_block_reading_timestamp_seconds', "When the block's last reading ended, Unix seconds on the server's clock", (s) =>
      s.context.lastReading ? s.context.lastReading.endedAt / 1000 : null,
    );
    perBlock('hv_block_corrections_applied', 'Corrections the block applied to its output since its actor started', (s) => s.context.corrections);
    new Gauge({
      name: 'hv_block_state',
      help: 'The block actor state: 1 for the state it is in (label state)',
      labelNames: [...blockLabels, 'state'],
      registers,
      collect() {
        this.reset();
        for (const b of deps.blocks) {
          const snap = blockChild(b.id);
          this.set({ block: String(b.id), name: b.name, state: snap ? topState(snap.value) : 'down' }, 1);
        }
      },
    });
    new Gauge({
      name: 'hv_block_alarms_active',
      help: 'Alarms active on the block now, by severity',
      labelNames: [...blockLabels, 'severity'],
      registers,
      collect() {
        this.reset();
        const alarms = deps.alarms();
        for (const b of deps.blocks) {
          for (const severity of ['MINOR', 'MAJOR', 'INVALID'] as const) {
            const n = alarms.filter((a) => a.source === blockChildId(b.id) && a.severity === severity).length;
            this.set({ block: String(b.id), name: b.name, severity }, n);
          }
        }
      },
    });
    new Gauge({
      name: 'hv_alarms_active',
      help: 'Alarms active now on any block, instrument or store, by severity',
      labelNames: ['severity'],
      registers,
      collect() {
        this.reset();
        const alarms = deps.alarms();
        for (const severity of ['MINOR', 'MAJOR', 'INVALID'] as const) this.set({ severity }, alarms.filter((a) => a.severity === severity).length);
      },
    });
    // One series per active alarm, so an alert can name its source and code (the counts above
    // cannot). Bounded: sources are the configured actors, codes a fixed set; no sentence or value.
    new Gauge({
      name: 'hv_alarm_active',
      help: 'Each alarm active now: 1, labelled with its source, code, severity and instrument',
      labelNames: ['source', 'code', 'severity', 'instrument'],
      registers,
      collect() {
        this.reset();
        for (const a of deps.alarms()) this.set({ source: a.source, code: a.code, severity: a.severity, instrument: a.instrument ?? '' }, 1);
      },
    });
    new Gauge({
      name: 'hv_alarms_unacknowledged',
      help: 'Alarms nobody has acknowledged yet, active or latched (cleared), shelved ones left out, by the highest severity each reached',
      labelNames: ['severity'],
      registers,
      collect() {
        const counts = deps.unacknowledged();
        for (const severity of ['MINOR', 'MAJOR', 'INVALID'] as const) this.set({ severity }, counts[severity]);
      },
    });
    new Gauge({
      name: 'hv_connector_clients',
      help: 'Clients connected now, by connector (tcp: Online; ws: web pages and hv-client)',
      labelNames: ['connector'],
      registers,
      collect() {
        for (const connector of deps.connectors) this.set({ connector }, deps.hub.countOf(connector));
      },
    });
    const counted = (counts: Map<string, number>, names: readonly string[]) =>
      function (this: { reset(): void; inc(labels: Record<string, string>, n: number): void }) {
        this.reset();
        for (const [key, n] of counts) {
          const values = key.split(LABEL_SEPARATOR);
          this.inc(Object.fromEntries(names.map((name, i) => [name, values[i] ?? ''])), n);
        }
      };
    new Counter({
      name: 'hv_commands_total',
      help: 'Commands answered, by connector, command type (none: refused before it was a command) and outcome (ok, timeout, error)',
      labelNames: ['connector', 'type', 'outcome'],
      registers,
      collect: counted(this.commands, ['connector', 'type', 'outcome']),
    });
    new Counter({
      name: 'hv_error_replies_total',
      help: "Error replies sent, by connector and Online's error code name",
      labelNames: ['connector', 'code'],
      registers,
      collect: counted(this.errorReplies, ['connector', 'code']),
    });
    new Counter({
      name: 'hv_notifications_total',
      help: 'Alarm notifications per receiver (webhook-N, email) since the start: queued, delivered (accepted by the receiver), failed attempts, and dropped from a full queue (overflowed)',
      labelNames: ['channel', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const c of deps.notifications()) {
          for (const outcome of ['queued', 'delivered', 'failed_attempts', 'overflowed'] as const) this.inc({ channel: c.channel, outcome }, c[outcome]);
        }
      },
    });
    new Gauge({
      name: 'hv_notifications_pending',
      help: 'Alarm notifications waiting for their receiver (kept in the outbox across restarts)',
      labelNames: ['channel'],
      registers,
      collect() {
        this.reset();
        for (const c of deps.notifications()) this.set({ channel: c.channel }, c.pending);
      },
    });
    return registry;
  }

  /** Counts each command taken and each answer or error reply sent to the client that asked. */
  private readonly tap: HubTap = (event, origin, message) => {
    if (event === 'command') {
      const type = String(message.command_type);
      this.commandTypes.set(origin, COMMAND_TYPES.has(type) ? type : 'other');
      return;
    }
    const answered = typeof message.answer_type === 'string' && COMMAND_TYPES.has(message.answer_type) ? message.answer_type : undefined;
    const type = this.commandTypes.get(origin) ?? answered ?? 'none';
    const outcome = event === 'reply' ? 'error' : message.status === 'timeout' ? 'timeout' : 'ok';
    count(this.commands, origin.connector, type, outcome);
    if (event === 'reply') count(this.errorReplies, origin.connector, String(message.error_text_code ?? message.error_code ?? 'unknown'));
  };

  private blockSnapshot(id: number): ChildSnapshot | null {
    const supervisor = this.deps.supervisor();
    if (!supervisor) return null;
    const children = (supervisor.getSnapshot() as { children: Record<string, AnyActorRef | undefined> }).children;
    return (children[blockChildId(id)]?.getSnapshot() as ChildSnapshot | undefined) ?? null;
  }

  /** The Prometheus text format's content type (known once `text` has resolved). */
  contentType = 'text/plain; version=0.0.4; charset=utf-8';

  async text(): Promise<string> {
    const registry = await this.load();
    this.contentType = registry.contentType;
    return registry.metrics();
  }
}

/** Between label values in a count's key: no connector id, command type or error code holds it. */
const LABEL_SEPARATOR = '\u0000';

/** One more of the labels `values`, counted without building an object per reply. */
function count(counts: Map<string, number>, ...values: string[]): void {
  const key = values.join(LABEL_SEPARATOR);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
