// Types of the messages and the configuration the JSON Schemas beside this file describe.
// Written by hand to match the schemas; test/schemas checks real values against both.

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

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

/** Online's ERROR_TYPE enum (PROTOCOL.md §5). */
export const ERROR_CODES = {
  UNKNOWN_ERROR: 1,
  SERVER_INIT_ERROR: 2,
  CLIENT_DISCONNECT: 3,
  PARSE_MESSAGE_ERROR: 4,
  TIMEOUT_ERROR: 5,
  ALGORITM_ERROR: 6,
  UNKNOWN_MESSAGE_ERROR: 7,
  SERVER_BUSY_ERROR: 8,
  INCORRECT_MESSAGE_PARAMS: 9,
  MULTIPLE_CONNECTION: 10,
  COM_PORT_ERROR: 11,
  COM_PORT_CLOSE: 12,
  AGILENT34401A_ERROR: 13,
} as const;

export type ErrorTextCode = keyof typeof ERROR_CODES;

/** An error reply; like every message it is also a plain JSON object (hence the index signature). */
export interface ErrorReply extends Record<string, unknown> {
  type: 'reply';
  reply_type: 'error';
  error_code: number;
  error_text_code: ErrorTextCode;
  description: string;
}

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

/** Who may do what (src/access/, README "Access control"). */
export interface AccessConfig {
  control: string[];
  monitor: string[] | null;
  token: string | null;
  token_file: string | null;
  origins: string[];
  proxies: string[];
  audit_entries: number;
}

export interface ServerConfig {
  sim: boolean;
  time_scale: number;
  data_dir: string;
  tcp: { host: string; port: number; backlog: number };
  http: { host: string; port: number };
  limits: {
    max_message_bytes: number;
    client_send_queue_bytes: number;
    tcp: { max_connections: number; max_per_address: number };
    http: {
      max_connections: number;
      max_per_address: number;
      headers_timeout_s: number;
      request_timeout_s: number;
      keep_alive_timeout_s: number;
      idle_timeout_s: number;
    };
    websocket: { max_clients: number; max_per_address: number };
  };
  log: { console_level: LogLevel; file_level: LogLevel; file: string; pretty: boolean; rotate_size_mb: number; retain_files: number };
  readings_log: { sync_command: string | null; sync_interval_s: number; sync_timeout_s: number; backlog_rows: number };
  supervisor: { max_restarts_per_minute: number; backoff_initial_s: number; backoff_max_s: number };
  instruments: { query_timeout_s: number; visa_library: string | null };
  access: AccessConfig;
  blocks: BlockConfig[];
  voltmeters: VoltmeterConfig[];
}
