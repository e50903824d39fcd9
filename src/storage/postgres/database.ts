/**
 * The pool the engine's logs query through: a failed query (the server down or restarting, the
 * connection cut) comes out as a KafkaStorageException naming the database and the error code, so
 * handlers answer KAFKA_STORAGE_ERROR for the partition and the client retries, as for a failed disk.
 * Closing refuses new queries, waits for those in flight (a request being served, a catch-up a
 * notification started) and only then ends the pool: pg's pool would refuse them with "Cannot use
 * a pool after calling end on the pool", and leave those waiting for a connection unanswered.
 */
import type pg from "pg";
import { KafkaStorageException, STORAGE_CLOSED } from "../storage-error.ts";

export class Database {
  private inFlight = 0;
  private closing: Promise<void> | undefined;
  private idle: (() => void) | undefined;

  constructor(
    readonly pool: pg.Pool,
    /** The database as messages name it (no credentials). */
    readonly name: string,
  ) {}

  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.run(() => this.pool.query<R>(sql, params));
  }

  /** Runs `work` in one transaction on one connection. */
  transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    return this.run(async () => {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        await work(client);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    });
  }

  /** Refuses queries from now on, waits for those in flight, then ends the pool. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      await this.pool.end();
    })();
    return this.closing;
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing) throw new KafkaStorageException(this.name, STORAGE_CLOSED, "query");
    this.inFlight++;
    try {
      return await work();
    } catch (err) {
      throw this.failure(err);
    } finally {
      if (--this.inFlight === 0) this.idle?.();
    }
  }

  private failure(err: unknown): KafkaStorageException {
    const e = err as { code?: unknown; message?: string };
    return new KafkaStorageException(this.name, typeof e.code === "string" ? e.code : (e.message ?? "unknown error"), "query");
  }
}
