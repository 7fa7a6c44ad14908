// Types of the messages and the configuration the JSON Schemas beside this file describe.
// Written by hand to match the schemas; test/schemas checks real values against both.

export type { LogLevel } from '../src/kit/log/logger.js';
import type { AccessConfig, KitConfig } from '../src/kit/config/kit-config.js';
export type { AccessConfig } from '../src/kit/config/kit-config.js';

/** A block number as the client wrote it: Online sends "1", others send 1. Answers echo it back. */
export type BlockAsSent = number | string;

export interface SetVoltageCommand {
  command_type: 'set_voltage';
  block: number;
  blockAsSent: BlockAsSent;
  /** HV-side volts. */
  voltage: number;
}

export interface SetVoltageAndCheckCommand {
  command_type: 'set_voltage_and_check';
  block: number;
  blockAsSent: BlockAsSent;
  voltage: number;
  /** Volts of tolerance for `ok`. */
  max_error: number;
  /** Seconds before the answer is `timeout`. */
  timeout: number;
}

export type Command = SetVoltageCommand | SetVoltageAndCheckCommand;

export type ServerMessage = Record<string, unknown> & { type: 'answer' | 'reply' | 'event' };

export { ERROR_CODES, type ErrorReply, type ErrorTextCode } from '../src/kit/protocol/error-reply.js';

export type OutputDriver = 'fluke-5502e' | 'adam-4024';

export interface OutputConfig {
  driver: OutputDriver;
  resource: string;
  address?: number;
  baud_rate?: number;
  gain: number;
  offset: number;
  min_volts: number;
  max_volts: number;
}

export interface BlockSimulationConfig {
  model: 'fitted' | 'ideal';
  day: number;
  gain?: number;
  offset?: number;
  tau_s?: number;
  initial_output_volts: number;
  seed?: number;
}

export interface CorrectionConfig {
  strategy: 'ours' | 'half' | 'none';
  max_step_v: number;
  max_total_v: number;
  hold: boolean;
  hold_deadband_v: number;
  settle_residual_v: number;
  response_tau_s: number;
  /** Deprecated: see ChecksConfig. */
  noise_v?: number;
  learn: boolean;
}

export interface ChecksConfig {
  noise_v: number;
  noise_v_per_kv: number;
  outlier_sigmas: number;
  outlier_floor_v: number;
  model_tolerance_v_per_kv: number;
  model_tolerance_v: number;
  implausible_v: number;
  trip_fraction: number;
  stale_repeats: number;
  drift_v_per_min: number;
  drift_window: number;
  output_check_s: number;
  hold_limit_v: number;
}

export interface BlockConfig {
  id: number;
  name: string;
  min_volts: number;
  max_volts: number;
  voltmeter: string;
  settle_s: number;
  correction: CorrectionConfig;
  checks: ChecksConfig;
  output: OutputConfig;
  simulation: BlockSimulationConfig;
}

export interface VoltmeterSimulationConfig {
  noise_volts: number;
  noise_volts_per_kv: number;
  outlier_rate: number;
  outlier_volts: number;
  constant_hv_volts: number;
  seed: number;
}

export interface VoltmeterConfig {
  id: string;
  driver: 'agilent-34401a';
  resource: string;
  address?: number;
  divider_ratio: number;
  series: string;
  publish_as?: string;
  reading_timeout_s: number;
  simulation: VoltmeterSimulationConfig;
}

/** The whole configuration: the kit's sections (src/kit/config/kit-config.ts) and the rack's. */
export interface ServerConfig extends KitConfig {
  instruments: { query_timeout_s: number; visa_library: string | null };
  blocks: BlockConfig[];
  voltmeters: VoltmeterConfig[];
}
