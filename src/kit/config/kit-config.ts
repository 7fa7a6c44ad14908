// The configuration sections the kit's services read, whatever the manager: where data goes, the
// ports and their limits, the log, the readings log, the restart policy and the access rules. A
// manager's own configuration extends this (the HV rack's adds its blocks and voltmeters).

import type { LogLevel } from '../log/logger.js';

/** Who may do what (src/kit/access/, README "Access control"). */
export interface AccessConfig {
  control: string[];
  monitor: string[] | null;
  token: string | null;
  token_file: string | null;
  origins: string[];
  proxies: string[];
  audit_entries: number;
}

/** A receiver of an HTTP POST per notification (src/kit/alarms/notify/). */
export interface WebhookConfig {
  url: string;
  format: 'json' | 'slack';
}

/** E-mail through an SMTP server. */
export interface EmailConfig {
  /** smtp://host:25, smtp://user:password@host:587, smtps://host:465 */
  server: string;
  from: string;
  to: string[];
}

/** Built-in notifications (README: Built-in notifications). */
export interface NotifyConfig {
  webhooks: WebhookConfig[];
  email: EmailConfig | null;
  on_clear: boolean;
  group_seconds: number;
  queue_limit: number;
  timeout_s: number;
  retry_initial_s: number;
  retry_max_s: number;
}

/** What the alarm list says and who hears of it (src/kit/alarms/, README "Alarms"). */
export interface AlarmsConfig {
  /** The lab's own "what to check first" sentences, by alarm code: they replace the built-in ones. */
  guidance: Record<string, string>;
  /** Minutes between notifications of an unacknowledged MAJOR or INVALID alarm; 0: none. */
  repeat_minutes: number;
  notify: NotifyConfig;
}

export interface KitConfig {
  sim: boolean;
  time_scale: number;
  data_dir: string;
  tcp: { host: string; port: number; backlog: number };
  http: { host: string; port: number; backlog: number };
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
  access: AccessConfig;
  alarms: AlarmsConfig;
}
