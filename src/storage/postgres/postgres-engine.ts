/**
 * The "postgres" storage engine (storage.engine=postgres, storage.postgres.url): partition logs,
 * the broker's internal logs among them, and the cluster id live in one database that any number
 * of brokers share. Each broker LISTENs for the others' appends, so a Fetch waiting on one broker
 * wakes when another appends. Driver: `pg` (node-postgres), the most used and maintained
 * PostgreSQL client for Node, with a pool, LISTEN/NOTIFY and binary bytea parameters.
 */
import { DEFAULT_LOG_CONFIG, type LogConfig } from "../log-config.ts";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Codec } from "../../codec/types.ts";
import type { LogDirDescription, ProducerIdState, ProducerIdStore, StorageEngine } from "../engine.ts";
import { UNASSIGNED_DIRECTORY_ID } from "../files-engine.ts";
import type { BrokerEndpoint } from "../../cluster/broker-registry.ts";
import { Database } from "./database.ts";
import { migrate } from "./migrations.ts";
import { type LeaseConfig, PostgresBrokerRegistry } from "./postgres-broker-registry.ts";
import { APPEND_CHANNEL, PostgresLog, partitionRow } from "./postgres-log.ts";

export interface PostgresEngineConfig {
  url: string;
  codec: Pick<Codec, "crc32c" | "decodeRecordBatch">;
  /** Connections per broker (appends to different partitions run in parallel on them). */
  poolSize?: number;
}

type PartitionKey = `${string}\u0000${number}`;

/** How soon a lost LISTEN connection is tried again. */
const LISTEN_RETRY_MS = 500;

export class PostgresEngine implements StorageEngine {
  readonly name = "postgres";
  readonly directoryId = UNASSIGNED_DIRECTORY_ID;
  readonly producerIds: ProducerIdStore;
  private readonly logs = new Map<PartitionKey, PostgresLog>();
  private configRepository: (topic: string) => LogConfig = () => DEFAULT_LOG_CONFIG;
  private listener: pg.Client | undefined;
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly newClient: () => pg.Client,
    private readonly codec: PostgresEngineConfig["codec"],
    readonly clusterId: string,
  ) {
    this.producerIds = new ProducerIdRow(db);
  }

  static async open(config: PostgresEngineConfig): Promise<PostgresEngine> {
    // Loaded only by brokers that use it: the files and memory engines start without the driver.
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 8 });
    // An idle client's error (the server restarting) must not take the process down; the next query reports it.
    pool.on("error", () => undefined);
    try {
      await migrate(pool);
      const id = Buffer.from(randomUUID().replace(/-/g, ""), "hex").toString("base64url");
      await pool.query("INSERT INTO kafka_cluster (id, cluster_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", [id]);
      const { rows } = await pool.query<{ cluster_id: string }>("SELECT cluster_id FROM kafka_cluster WHERE id = 1");
      const engine = new PostgresEngine(new Database(pool, databaseName(config.url)), () => new pg.Client({ connectionString: config.url }), config.codec, rows[0].cluster_id);
      await engine.listen();
      return engine;
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  async getLog(topic: string, partition: number): Promise<PostgresLog | undefined> {
    const cached = this.logs.get(key(topic, partition));
    if (cached) return cached;
    const row = await partitionRow(this.db, topic, partition);
    if (!row) return undefined;
    const k = key(topic, partition);
    // Another call may have cached it while this one waited for the row.
    const log = this.logs.get(k) ?? new PostgresLog(this.db, this.codec, topic, partition, row.logStartOffset, row.nextOffset, row.size, this.configRepository(topic));
    this.logs.set(k, log);
    return log;
  }

  async createLog(topic: string, partition: number, topicId: string): Promise<PostgresLog> {
    // Every Produce asks for its log: an open one costs no round trip (deleteLogs forgets it).
    const open = this.logs.get(key(topic, partition));
    if (open) return open;
    await this.db.query(
      "INSERT INTO kafka_partitions (topic, partition, topic_id) VALUES ($1, $2, $3) ON CONFLICT (topic, partition) DO NOTHING",
      [topic, partition, topicId],
    );
    return (await this.getLog(topic, partition))!;
  }

  /** One transaction: a crash leaves the topic's logs whole or gone, never half. */
  async deleteLogs(topic: string, fromPartition = 0): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query("DELETE FROM kafka_batches WHERE topic = $1 AND partition >= $2", [topic, fromPartition]);
      await client.query("DELETE FROM kafka_partitions WHERE topic = $1 AND partition >= $2", [topic, fromPartition]);
    });
    for (const [k, log] of [...this.logs]) if (log.topic === topic && log.partition >= fromPartition) this.logs.delete(k);
  }

  useConfigRepository(logConfig: (topic: string) => LogConfig): void {
    this.configRepository = logConfig;
  }

  updateConfig(topic: string): void {
    for (const log of this.logs.values()) if (log.topic === topic) log.config = this.configRepository(topic);
  }

  /** Registers `self` in the broker table with a lease renewed until the registry is closed. */
  registerBroker(self: BrokerEndpoint, lease: LeaseConfig, onError: (err: Error) => void): Promise<PostgresBrokerRegistry> {
    return PostgresBrokerRegistry.register(this.db.pool, self, lease, onError);
  }

  /**
   * LISTENs for other brokers' appends on a connection of its own; when that connection is lost
   * (the server restarting) it is opened again, and the cached logs re-read their offsets.
   */
  private async listen(): Promise<void> {
    const client = this.newClient();
    client.on("error", () => undefined);
    client.on("notification", (n) => this.onNotification(n.payload ?? ""));
    client.once("end", () => {
      if (!this.closed) setTimeout(() => void this.relisten(), LISTEN_RETRY_MS).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${APPEND_CHANNEL}`);
    this.listener = client;
  }

  private async relisten(): Promise<void> {
    try {
      await this.listen();
      for (const log of this.logs.values()) await log.refresh();
    } catch {
      if (!this.closed) setTimeout(() => void this.relisten(), LISTEN_RETRY_MS).unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.db.pool.end();
  }

  /** Every partition log in the database, with its size. */
  async describeLogDirs(): Promise<LogDirDescription[]> {
    const { rows } = await this.db.query<{ topic: string; partition: number; size_bytes: string }>(
      "SELECT topic, partition, size_bytes::text FROM kafka_partitions ORDER BY topic, partition",
    );
    const partitions = rows.map((r) => ({ topic: r.topic, partition: r.partition, size: Number(r.size_bytes) }));
    // -1: unknown, as Kafka answers for a dir whose capacity it cannot read.
    return [{ path: this.db.name, partitions, space: { totalBytes: -1n, usableBytes: -1n } }];
  }

  /** "<topic> <partition> <next offset> <size>", sent by the append statement of whichever broker appended. */
  private onNotification(payload: string): void {
    const [topic, partition, next, size] = payload.split(" ");
    this.logs.get(key(topic, Number(partition)))?.advanceEnd(BigInt(next), Number(size));
  }
}

function databaseName(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function key(topic: string, partition: number): PartitionKey {
  return `${topic}\u0000${partition}`;
}

/** InitProducerId's state as one JSON value in the cluster row. */
class ProducerIdRow implements ProducerIdStore {
  constructor(private readonly db: Database) {}

  async load(): Promise<ProducerIdState | undefined> {
    const { rows } = await this.db.query<{ producer_ids: StoredProducerIds | null }>("SELECT producer_ids FROM kafka_cluster WHERE id = 1");
    const stored = rows[0]?.producer_ids;
    if (!stored) return undefined;
    return {
      nextProducerId: BigInt(stored.nextProducerId),
    };
  }

  /** A compare-and-set on the row: of two brokers that loaded the same state, one saves. */
  async save(state: ProducerIdState, expected: ProducerIdState | undefined): Promise<boolean> {
    const stored: StoredProducerIds = { nextProducerId: state.nextProducerId.toString() };
    const { rowCount } = await this.db.query(
      "UPDATE kafka_cluster SET producer_ids = $1 WHERE id = 1 AND (producer_ids->>'nextProducerId') IS NOT DISTINCT FROM $2",
      [stored, expected?.nextProducerId.toString() ?? null],
    );
    return rowCount === 1;
  }
}

/** Rows written before transactions moved to __transaction_state also hold "transactionalIds", which is ignored. */
interface StoredProducerIds {
  nextProducerId: string;
}
