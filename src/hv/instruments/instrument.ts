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
  /**
   * Sets the output. With `energize` (a client's command) the instrument is also put in operate;
   * without it (holding, correcting) it must already be operating, or the call rejects with code
   * 'standby' and changes nothing: only a client may switch a high voltage on.
   */
  setOutput(volts: number, options: { energize: boolean }, signal?: AbortSignal): Promise<void>;
  /** Whether the output is operating (an instrument without standby always is), and its amplitude. */
  outputState(signal?: AbortSignal): Promise<{ operating: boolean; volts: number }>;
  /**
   * Whether going from one output to the other makes the output drop out for a moment (a
   * calibrator changing range opens its output relays): the supply then sees a full step.
   */
  dropsOutBetween?(fromVolts: number, toVolts: number): boolean;
  /**
   * `toVolts`, or, when that is past a range boundary by at most `marginV`, the nearest output on
   * `fromVolts`'s side: a small correction is not worth a drop-out.
   */
  keepRange?(fromVolts: number, toVolts: number, marginV: number): number;
  /** The step its output moves in near `volts`, volts. */
  resolution?(volts: number): number;
  /** The output it actually produces when asked for `volts` (in those steps). */
  quantize?(volts: number): number;
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
    readonly code: 'out-of-range' | 'timeout' | 'not-responding' | 'bad-answer' | 'standby',
    readonly instrument: string,
    message: string,
  ) {
    super(`${instrument}: ${message}`);
    this.name = 'InstrumentError';
  }
}
