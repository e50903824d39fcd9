export interface LocalPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server (fast shutdown), keeping its data. */
  pause(): void;
  /** Starts it again on the same port and data. */
  start(): void;
  /** Stops the server and removes its files. */
  stop(): void;
}
export function postgresBinDir(): string | undefined;
export function startLocalPostgres(options?: { port?: number }): Promise<LocalPostgres>;
