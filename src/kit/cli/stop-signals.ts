// The signals that stop the server, and how long a stop may take before the process just exits.
//
// SIGHUP stops the server as SIGTERM does (rather than reopening the log files: the log rotates by
// itself). On Windows, closing the console window arrives as SIGHUP and Ctrl+Break as SIGBREAK;
// Windows ends the process about 10 s after a console close, so those stops get 5 s.

export function stopSignals(platform: NodeJS.Platform = process.platform): NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
}

/** Real milliseconds a stop may take before the process exits without waiting further. */
export function exitDeadlineMs(signal: NodeJS.Signals, platform: NodeJS.Platform = process.platform): number {
  const consoleGoing = platform === 'win32' && (signal === 'SIGHUP' || signal === 'SIGBREAK');
  return consoleGoing ? 5_000 : 30_000;
}
