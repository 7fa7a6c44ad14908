// A simulated SCPI instrument: parses program messages (`;` chains, short and long forms, any
// case), runs each command against its table, keeps an error queue with the standard codes, and
// answers all queries of one message in one response, as IEEE 488.2 says.

import { compileHeader, headerMatches, type HeaderPattern } from './scpi-header.js';
import { HeardMessages } from '../heard-messages.js';

export class ScpiError extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(`${code},"${text}"`);
  }
}

export const SCPI_ERRORS = {
  undefinedHeader: () => new ScpiError(-113, 'Undefined header'),
  missingParameter: () => new ScpiError(-109, 'Missing parameter'),
  dataOutOfRange: () => new ScpiError(-222, 'Data out of range'),
  illegalParameter: () => new ScpiError(-224, 'Illegal parameter value'),
  dataType: () => new ScpiError(-104, 'Data type error'),
} as const;

/** A command's handler: `args` are the unit's arguments, shared by every hearing of the message (read, never changed). */
export type ScpiHandler = (args: readonly string[]) => string | void | Promise<string | void>;

interface Entry {
  header: HeaderPattern;
  handler: ScpiHandler;
}

/** Faults a trainer or a test can switch on through the back door. */
export interface DeviceFaults {
  /** Off the bus: takes bytes, answers nothing, refuses new connections. */
  offline: boolean;
  /** Answers nothing to queries (commands still act): a driver's read times out. */
  timeout: boolean;
  /** Answers queries with garbage instead of the right reply. */
  garbage: boolean;
}

const QUEUE_LENGTH = 20;
/** Headers remembered with the table entry they name: a device hears a handful of them, over and over. */
const HEADER_CACHE_SIZE = 64;
/** Program messages remembered split into units: the same few come again and again (ABOR;INIT, FETC?, OPER?). */
const MESSAGE_CACHE_SIZE = 64;

/** One unit of a program message: its header and its arguments (shared between hearings: never changed). */
interface Unit {
  header: string;
  args: readonly string[];
}

export abstract class ScpiDevice {
  readonly faults: DeviceFaults = { offline: false, timeout: false, garbage: false };
  private readonly table: Entry[] = [];
  /** Header as received → its entry (null: none), so a repeated header is matched once, not per message. */
  private readonly headerCache = new Map<string, Entry | null>();
  /** Program message → its units, parsed once rather than at every hearing (bounded: emptied when full). */
  private readonly messageCache = new Map<string, readonly Unit[]>();
  private readonly errors: ScpiError[] = [];
  /** The program messages received (the latest: heard-messages.ts), for tests and the training log. */
  readonly heard = new HeardMessages();

  constructor(readonly name: string) {}

  /** How this device answers `SYST:ERR?` / `ERR?` when its queue is empty. */
  protected abstract readonly noError: string;

  protected on(pattern: string, handler: ScpiHandler): void {
    this.table.push({ header: compileHeader(pattern), handler });
    this.headerCache.clear();
  }

  private entryFor(header: string): Entry | null {
    let entry = this.headerCache.get(header);
    if (entry !== undefined) return entry;
    entry = this.table.find((e) => headerMatches(e.header, header)) ?? null;
    // Bounded: a client sending ever new headers must not grow it.
    if (this.headerCache.size < HEADER_CACHE_SIZE) this.headerCache.set(header, entry);
    return entry;
  }

  pushError(error: ScpiError): void {
    if (this.errors.length >= QUEUE_LENGTH - 1) {
      this.errors.splice(QUEUE_LENGTH - 1);
      this.errors.push(new ScpiError(-350, 'Queue overflow'));
      return;
    }
    this.errors.push(error);
  }

  protected nextError(): string {
    const e = this.errors.shift();
    return e ? `${e.code},"${e.text}"` : this.noError;
  }

  protected clearErrors(): void {
    this.errors.length = 0;
  }

  /** Training: the queued errors dropped, as if read (the instructor's undo of push_error). */
  discardErrors(): void {
    this.clearErrors();
  }

  /** The program messages kept, oldest first. */
  get received(): readonly string[] {
    return this.heard.list;
  }

  get errorCount(): number {
    return this.errors.length;
  }

  /**
   * One program message (without its terminator): the response line, or null for none. At once
   * when every handler answers at once; a promise when one waits (a measurement).
   */
  handleMessage(message: string): string | null | Promise<string | null> {
    this.heard.add(message);
    if (this.faults.offline) return null;
    return this.runUnits(this.unitsOf(message), 0, []);
  }

  /** The units of `message`, parsed once for every time it is heard. */
  private unitsOf(message: string): readonly Unit[] {
    let units = this.messageCache.get(message);
    if (units !== undefined) return units;
    units = splitUnits(message).map(parseUnit);
    // Bounded: a client sending ever new messages (setpoints, say) must not grow it.
    if (this.messageCache.size >= MESSAGE_CACHE_SIZE) this.messageCache.clear();
    this.messageCache.set(message, units);
    return units;
  }

  /** Runs `units` from `from` on, in order; goes on from a handler's promise when it gives one. */
  private runUnits(units: readonly Unit[], from: number, responses: string[]): string | null | Promise<string | null> {
    for (let u = from; u < units.length; u++) {
      const { header, args } = units[u]!;
      if (!header) continue;
      const entry = this.entryFor(header);
      if (!entry) {
        this.pushError(SCPI_ERRORS.undefinedHeader());
        break; // the rest of the message is not executed after a header error
      }
      let out: string | void | Promise<string | void>;
      try {
        out = entry.handler(args);
      } catch (err) {
        if (err instanceof ScpiError) {
          this.pushError(err);
          continue;
        }
        throw err;
      }
      if (out instanceof Promise) {
        return out.then(
          (value) => {
            if (typeof value === 'string') responses.push(value);
            return this.runUnits(units, u + 1, responses);
          },
          (err: unknown) => {
            if (!(err instanceof ScpiError)) throw err;
            this.pushError(err);
            return this.runUnits(units, u + 1, responses);
          },
        );
      }
      if (typeof out === 'string') responses.push(out);
    }
    if (responses.length === 0 || this.faults.timeout) return null;
    if (this.faults.garbage) return '#\u0007?garbage\u00ff';
    return responses.join(';');
  }
}

function splitUnits(message: string): string[] {
  // Without quotes (all but a few messages) a `;` always separates units.
  if (message.indexOf('"') === -1 && message.indexOf("'") === -1) return trimmedUnits(message.split(';'));
  const units: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const ch of message) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ';') {
      units.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  units.push(current);
  return trimmedUnits(units);
}

function trimmedUnits(units: string[]): string[] {
  const out: string[] = [];
  for (const u of units) {
    const t = u.trim();
    if (t.length > 0) out.push(t);
  }
  return out;
}

const NO_ARGS: readonly string[] = [];

/** A unit's header and arguments (`unit` is trimmed: it starts with the header). */
function parseUnit(unit: string): Unit {
  const space = unit.search(/\s/);
  if (space === -1) return { header: unit, args: NO_ARGS };
  const rest = unit.slice(space).trim();
  return { header: unit.slice(0, space), args: rest === '' ? NO_ARGS : rest.split(',').map((a) => a.trim()) };
}

/** A SCPI numeric parameter: "10", "1E-5", "+5.000", "MIN"/"MAX"/"DEF" mapped by the caller. */
export function numberArg(args: readonly string[], index: number, named: Record<string, number> = {}): number {
  const raw = args[index];
  if (raw === undefined) throw SCPI_ERRORS.missingParameter();
  const upper = raw.toUpperCase();
  for (const [name, value] of Object.entries(named)) if (upper === name || upper === name.slice(0, 3)) return value;
  const n = Number(raw);
  if (!Number.isFinite(n) || raw.trim() === '') throw SCPI_ERRORS.dataType();
  return n;
}

/** A boolean parameter: ON/OFF/1/0. */
export function boolArg(args: readonly string[], index: number): boolean {
  const raw = args[index]?.toUpperCase();
  if (raw === undefined) throw SCPI_ERRORS.missingParameter();
  if (raw === 'ON' || raw === '1') return true;
  if (raw === 'OFF' || raw === '0') return false;
  throw SCPI_ERRORS.illegalParameter();
}

/** "+1.23456789E+00": the 34401A's reading format (sign, nine digits, two-digit exponent). */
export function scpiExponential(value: number, digits = 8): string {
  const text = value.toExponential(digits); // "-1.23456789e-5"
  const e = text.indexOf('e');
  const sign = text.charCodeAt(0) === 45 ? '' : '+';
  if (e === -1) return `${sign}${text}E+NaN`; // NaN or ±Infinity: no exponent (a meter never sends these)
  const exponent = text.slice(e + 2);
  return `${sign}${text.slice(0, e)}E${text[e + 1]}${exponent.length < 2 ? '0' : ''}${exponent}`;
}
