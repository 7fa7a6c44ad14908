// Who set what: every command that changes an output (and every training action), with its
// outcome once answered, and every refusal, each with time, connector, client address and the web
// user's label. Written to the JSON log and kept in a bounded feed (`GET /api/audit`, and live to
// observers). A client repeating a refused request is one entry with a count, logged once: a
// stray script in a loop can neither flood the log nor push the real history out of the feed.

import type { Origin } from '../actor-types.js';
import type { Logger } from '../log/logger.js';

export type AuditOutcome = 'pending' | 'ok' | 'timeout' | 'error' | 'refused';

export interface AuditEntry {
  id: number;
  /** Clock ms when the server received it. */
  at: number;
  connector: string;
  /** The client's id on its connector (absent for a plain HTTP request). */
  client: string | null;
  address: string;
  label: string | null;
  /** One line for the operator: "set_voltage_and_check block 1 to 18600 V (±0.1 V, 20 s)". */
  action: string;
  /** The command's fields as received (after validation), or null for a refused connection. */
  command: Record<string, unknown> | null;
  outcome: AuditOutcome;
  /** The answer's or refusal's sentence. */
  detail: string | null;
  /** The error reply's code, when there was one. */
  code: number | null;
  answered_at: number | null;
  /** Refusals folded into this entry (1 for everything else). */
  count: number;
  last_at: number;
}

export type AuditRecord = Pick<AuditEntry, 'connector' | 'client' | 'address' | 'label' | 'action' | 'command'>;

export class AuditTrail {
  private readonly entries: AuditEntry[] = [];
  private nextId = 1;
  /** The entry a repeated refusal folds into, by what makes it "the same" refusal. */
  private readonly folds = new Map<string, AuditEntry>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number,
    private readonly log: Logger,
    /** Told of every new or changed entry (the observers' live feed). */
    private readonly changed: (entry: AuditEntry) => void = () => {},
    /** What an answer says, short, for its entry: the manager's words ("read 18600.002 V"), or nothing. */
    private readonly answerDetail: (message: Record<string, unknown>) => string | null = () => null,
  ) {}

  /** Oldest first. */
  list(): AuditEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** A command accepted, its answer still to come. */
  accepted(record: AuditRecord): AuditEntry {
    const entry = this.add(record, 'pending', null, null, false);
    this.log.info(this.fields(entry), `audit: ${who(entry)} ${entry.action}: accepted`);
    return entry;
  }

  /** Something already done or refused with its outcome (a training action). */
  done(record: AuditRecord, outcome: Exclude<AuditOutcome, 'pending'>, detail: string | null): AuditEntry {
    const entry = this.add(record, outcome, detail, null, true);
    this.log.info(this.fields(entry), `audit: ${who(entry)} ${entry.action}: ${outcome}${detail ? ` (${detail})` : ''}`);
    return entry;
  }

  /**
   * A refusal. The first for `foldKey` is an entry of its own and one warning in the log; repeats
   * while that entry is still in the feed only count. Returns whether this one was the first.
   */
  refused(foldKey: string, record: AuditRecord, reason: string, code: number | null = null): boolean {
    const folded = this.folds.get(foldKey);
    if (folded) {
      folded.count++;
      folded.last_at = this.now();
      // The live feed hears of the first repeats, then of every hundredth: a loop costs the observers little.
      if (folded.count <= 10 || folded.count % 100 === 0) this.changed(folded);
      return false;
    }
    const entry = this.add(record, 'refused', reason, code, true);
    this.folds.set(foldKey, entry);
    this.log.warn(this.fields(entry), `audit: ${who(entry)} ${entry.action}: refused, ${reason}`);
    return true;
  }

  /** The refusals folded under `foldKey` end (their client left): the log gets their total if there were repeats. */
  closeFold(foldKey: string): void {
    const entry = this.folds.get(foldKey);
    if (!entry) return;
    this.folds.delete(foldKey);
    if (entry.count > 1) this.log.warn({ ...this.fields(entry), count: entry.count }, `audit: ${who(entry)}: ${entry.count} requests refused in all, the last one at ${new Date(entry.last_at).toISOString()}`);
  }

  /** The answer or error reply to a command that `accepted` recorded (its origin carries the entry's id). */
  settle(origin: Origin, message: Record<string, unknown>): void {
    if (origin.audit === undefined) return;
    const entry = this.entries.find((e) => e.id === origin.audit);
    if (!entry || entry.outcome !== 'pending') return;
    entry.answered_at = this.now();
    if (message.type === 'reply') {
      entry.outcome = 'error';
      entry.code = typeof message.error_code === 'number' ? message.error_code : null;
      entry.detail = typeof message.description === 'string' ? message.description : null;
    } else {
      entry.outcome = message.status === 'timeout' ? 'timeout' : 'ok';
      entry.detail = this.answerDetail(message);
    }
    this.log.info(this.fields(entry), `audit: ${who(entry)} ${entry.action}: ${entry.outcome}${entry.code !== null ? ` ${entry.code}` : ''}${entry.detail ? ` (${entry.detail})` : ''}`);
    this.changed(entry);
  }

  private add(record: AuditRecord, outcome: AuditOutcome, detail: string | null, code: number | null, answered: boolean): AuditEntry {
    const at = this.now();
    const entry: AuditEntry = { id: this.nextId++, at, ...record, outcome, detail, code, answered_at: answered ? at : null, count: 1, last_at: at };
    this.entries.push(entry);
    while (this.entries.length > this.capacity) {
      const gone = this.entries.shift()!;
      for (const [key, folded] of this.folds) if (folded === gone) this.folds.delete(key);
    }
    this.changed(entry);
    return entry;
  }

  private fields(entry: AuditEntry): Record<string, unknown> {
    return { audit: { ...entry } };
  }
}

/** "Anna at 10.0.0.7 (ws)", "127.0.0.1 (tcp)". */
function who(entry: AuditEntry): string {
  return `${entry.label ? `${entry.label} at ` : ''}${entry.address} (${entry.connector})`;
}
