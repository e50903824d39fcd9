/**
 * The broker's tables, created on first start and migrated forward by version. Every broker of a
 * cluster runs this at start-up; an advisory lock makes concurrent starts apply each version once.
 */
import type { Pool } from "pg";

/** Migration n (1-based) is MIGRATIONS[n - 1]; append new ones, never edit an applied one. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE kafka_cluster (
     id int PRIMARY KEY CHECK (id = 1),
     cluster_id text NOT NULL,
     producer_ids jsonb
   );
   -- One row per partition log (the broker's internal topics too): the offsets an append takes.
   CREATE TABLE kafka_partitions (
     topic text NOT NULL,
     partition int NOT NULL,
     topic_id uuid NOT NULL,
     log_start_offset bigint NOT NULL DEFAULT 0,
     next_offset bigint NOT NULL DEFAULT 0,
     size_bytes bigint NOT NULL DEFAULT 0,
     PRIMARY KEY (topic, partition)
   );
   -- Record batches exactly as produced, only base_offset rewritten.
   CREATE TABLE kafka_batches (
     topic text NOT NULL,
     partition int NOT NULL,
     base_offset bigint NOT NULL,
     last_offset bigint NOT NULL,
     max_timestamp bigint NOT NULL,
     bytes bytea NOT NULL,
     PRIMARY KEY (topic, partition, last_offset)
   );
   -- Brokers sharing this database, each with a lease it renews.
   CREATE TABLE kafka_brokers (
     node_id int PRIMARY KEY,
     host text NOT NULL,
     port int NOT NULL,
     lease_expires_at timestamptz NOT NULL
   );`,
];

/** Any fixed number: the lock serialises migrations of brokers starting at once. */
const MIGRATION_LOCK = 0x6b61666b;

export async function migrate(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS kafka_schema_version (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    const { rows } = await client.query<{ version: number | null }>("SELECT max(version) AS version FROM kafka_schema_version");
    const current = rows[0].version ?? 0;
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await client.query("BEGIN");
      try {
        await client.query(MIGRATIONS[version - 1]);
        await client.query("INSERT INTO kafka_schema_version (version) VALUES ($1)", [version]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      }
    }
    return MIGRATIONS.length;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
