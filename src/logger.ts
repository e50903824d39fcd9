/** Quiet by default: the tester stops reading output after 30 KB, so only errors and one start-up line. */
export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  /** Something was wrong and the broker carried on (a damaged file truncated, a log dir skipped). */
  warn(message: string): void;
  error(message: string): void;
}

export function createLogger(verbose: boolean): Logger {
  return {
    info: (message) => process.stdout.write(`${message}\n`),
    debug: verbose ? (message) => process.stderr.write(`[debug] ${message}\n`) : () => {},
    warn: (message) => process.stderr.write(`[warn] ${message}\n`),
    error: (message) => process.stderr.write(`[error] ${message}\n`),
  };
}

export const silentLogger: Logger = { info: () => {}, debug: () => {}, warn: () => {}, error: () => {} };
