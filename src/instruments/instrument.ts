// What the block and voltmeter actors need from an instrument, whatever drives it
// (a simulator in sim/, or a driver over a transport).

export interface RawReading {
  /** Volts at the voltmeter's input. */
  raw: number;
  /** Clock ms when this reading's integration began and ended. */
  startedAt: number;
  endedAt: number;
}

/** A calibrator or analog-output module whose output volts drive an HV supply. */
export interface OutputInstrument {
  readonly name: string;
  /** The output the instrument is producing now, in volts (adopted at start, never changed by it). */
  readOutput(signal?: AbortSignal): Promise<number>;
  setOutput(volts: number, signal?: AbortSignal): Promise<void>;
}

export interface VoltmeterInstrument {
  readonly name: string;
  /** Identifies the instrument and runs its init sequence. */
  init(signal?: AbortSignal): Promise<void>;
  /** Takes one reading; resolves when it is complete. */
  read(signal?: AbortSignal): Promise<RawReading>;
}

/** An instrument that cannot do what was asked; `code` says why, `message` names the value and what was expected. */
export class InstrumentError extends Error {
  constructor(
    readonly code: 'out-of-range' | 'timeout' | 'not-responding' | 'bad-answer',
    readonly instrument: string,
    message: string,
  ) {
    super(`${instrument}: ${message}`);
    this.name = 'InstrumentError';
  }
}
