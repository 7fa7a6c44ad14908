// The alarm book on disk (<data_dir>/alarms.json), so a restart forgets nothing that was listed:
// active, latched and shelved alarms with their acknowledgements. Replaced whole on every change
// that matters to a person (atomic-json-file.ts); an active alarm's newer sentence alone is not
// worth a write per reading. A store that cannot be read is its own alarm, never a crash: corrupt
// (moved aside for a look), or missing where the data directory shows an earlier run.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock/clock.js';
import { AtomicJsonFile } from '../storage/atomic-json-file.js';
import type { StorageHealth } from '../storage/storage-health.js';
import type { AlarmBook } from './alarm-book.js';
import type { AlarmEntry } from './alarm-entry.js';
import type { RawAlarm } from './alarm-table.js';

export const ALARM_STORE_FILE = 'alarms.json';
export const ALARM_STORE_SOURCE = 'alarm-store';
const FORMAT = 1;

/** What was read at start: the alarms listed before, and a problem to raise (null when none). */
export interface RestoredAlarms {
  entries: AlarmEntry[];
  problem: RawAlarm | null;
}

export class AlarmStore {
  private readonly file: AtomicJsonFile;

  constructor(
    private readonly dataDir: string,
    clock: Clock,
    health: StorageHealth,
  ) {
    this.file = new AtomicJsonFile({ path: join(dataDir, ALARM_STORE_FILE), clock, health, what: 'the alarm store' });
  }

  get path(): string {
    return join(this.dataDir, ALARM_STORE_FILE);
  }

  /** Reads the alarms listed before this start (synchronously, before anything is served). */
  restore(): RestoredAlarms {
    const loaded = this.file.load();
    if (loaded.kind === 'missing') {
      const earlier = earlierRun(this.dataDir);
      return {
        entries: [],
        problem: earlier
          ? storeAlarm('ALARM_STORE_MISSING', 'MINOR', `the alarm store ${this.path} is missing although ${earlier} shows an earlier run: alarms listed before this start, and their acknowledgements, are not known`)
          : null,
      };
    }
    if (loaded.kind === 'corrupt') {
      const where = loaded.movedTo ? `; the file was moved to ${loaded.movedTo}` : '';
      return { entries: [], problem: storeAlarm('ALARM_STORE_CORRUPT', 'MAJOR', `the alarm store ${this.path} could not be read (${loaded.reason})${where}: alarms listed before this start are not known`) };
    }
    const doc = loaded.value as { format?: unknown; alarms?: unknown } | null;
    if (!doc || doc.format !== FORMAT || !Array.isArray(doc.alarms)) {
      const movedTo = this.file.moveAside();
      return {
        entries: [],
        problem: storeAlarm(
          'ALARM_STORE_CORRUPT',
          'MAJOR',
          `the alarm store ${this.path} is not a format-${FORMAT} alarm list (expected {"format": ${FORMAT}, "alarms": [...]})${movedTo ? `; the file was moved to ${movedTo}` : ''}: alarms listed before this start are not known`,
        ),
      };
    }
    const entries = doc.alarms.filter(isEntry);
    const dropped = doc.alarms.length - entries.length;
    return {
      entries,
      problem:
        dropped > 0
          ? storeAlarm('ALARM_STORE_CORRUPT', 'MAJOR', `${dropped} of the ${doc.alarms.length} alarms in ${this.path} were not readable and are not listed (expected source, code, severity, since and the flags of each)`, dropped)
          : null,
    };
  }

  /** Saves the book now and after every change a person would see. */
  follow(book: AlarmBook): void {
    book.onChange((change) => {
      if (change.kind !== 'updated') void this.save(book);
    });
    void this.save(book);
  }

  /** Resolves once the book as it is now is on the disk (or the write failed, which the storage alarm says). */
  save(book: AlarmBook): Promise<void> {
    return this.file.save({ format: FORMAT, alarms: book.list() });
  }

  async close(book: AlarmBook): Promise<void> {
    void this.save(book);
    await this.file.close();
  }
}

function storeAlarm(code: string, severity: RawAlarm['severity'], message: string, value: number | null = null): RawAlarm {
  return { source: ALARM_STORE_SOURCE, instrument: null, code, severity, status: 'READ', message, value };
}

/** A readings file from an earlier run (`<series>/<day>.tsv`), or null when the data directory shows none. */
function earlierRun(dataDir: string): string | null {
  try {
    for (const name of readdirSync(dataDir)) {
      const dir = join(dataDir, name);
      if (!statSync(dir).isDirectory()) continue;
      const tsv = readdirSync(dir).find((f) => f.endsWith('.tsv'));
      if (tsv) return join(name, tsv);
    }
  } catch {
    // An unreadable data directory is the readings log's alarm to raise.
  }
  return null;
}

const SEVERITIES = new Set(['MINOR', 'MAJOR', 'INVALID']);
const isText = (v: unknown) => typeof v === 'string' && v.length > 0;
const isTime = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isTimeOrNull = (v: unknown) => v === null || isTime(v);
const isAction = (v: unknown) => v === null || (typeof v === 'object' && isText((v as { by?: unknown }).by) && isTime((v as { at?: unknown }).at));

/** One stored alarm as the book needs it; anything else is dropped (and counted) rather than trusted. */
function isEntry(v: unknown): v is AlarmEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    isText(e.source) &&
    isText(e.code) &&
    SEVERITIES.has(e.severity as string) &&
    SEVERITIES.has(e.highest_severity as string) &&
    typeof e.message === 'string' &&
    isText(e.status) &&
    (e.value === null || isTime(e.value)) &&
    (e.instrument === null || typeof e.instrument === 'string') &&
    Number.isInteger(e.raised_count) &&
    isTime(e.since) &&
    typeof e.active === 'boolean' &&
    typeof e.acknowledged === 'boolean' &&
    isTimeOrNull(e.cleared_at) &&
    isTimeOrNull(e.shelved_until) &&
    isAction(e.shelved) &&
    isAction(e.acknowledgement) &&
    (e.shelved_until === null) === (e.shelved === null)
  );
}
