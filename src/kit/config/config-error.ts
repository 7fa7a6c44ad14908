// A configuration the server refuses to start with; its message is the one sentence shown.
export class ConfigError extends Error {
  readonly code = 'config-invalid';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
