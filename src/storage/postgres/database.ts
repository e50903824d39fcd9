/**
 * The pool the engine's logs query through: a failed query (the server down or restarting, the
 * connection cut) comes out as a KafkaStorageException naming the database and the error code, so
 * handlers answer KAFKA_STORAGE_ERROR for the partition and the client retries, as for a failed disk.
 */
import type pg from "pg";
import { KafkaStorageException } from "../storage-error.ts";

export class Database {
  constructor(
    readonly pool: pg.Pool,
    /** The database as messages name it (no credentials). */
    readonly name: string,
  ) {}

  async query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Runs `work` in one transaction on one connection. */
  async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query("BEGIN");
      await work(client);
      await client.query("COMMIT");
    } catch (err) {
      await client?.query("ROLLBACK").catch(() => undefined);
      throw this.failure(err);
    } finally {
      client?.release();
    }
  }

  private failure(err: unknown): KafkaStorageException {
    const e = err as { code?: unknown; message?: string };
    return new KafkaStorageException(this.name, typeof e.code === "string" ? e.code : (e.message ?? "unknown error"), "query");
  }
}
