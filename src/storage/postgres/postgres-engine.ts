/**
 * The "postgres" storage engine (storage.engine=postgres, storage.postgres.url): partition logs,
 * the broker's internal logs among them, and the cluster id live in one database that any number
 * of brokers share. Each broker LISTENs for the others' appends, so a Fetch waiting on one broker
 * wakes when another appends, and for the log start offsets their DeleteRecords and retention
 * checks move. Every broker runs the retention check on every partition: the statement is safe
 * to run from all of them at once, and one that finds nothing to delete writes nothing. Driver: `pg` (node-postgres), the most used and maintained
 * PostgreSQL client for Node, with a pool, LISTEN/NOTIFY and binary bytea parameters.
 */
import { uuidToBase64 } from "../uuid-base64.ts";
import type { LogConfig } from "../log-config.ts";
import { logConfigOf } from "../log-manager.ts";
import { scheduleRetentionCheck } from "../log-retention.ts";
import type { Logger } from "../../logger.ts";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Codec } from "../../codec/types.ts";
import type { LogDirDescription, ProducerIdState, ProducerIdStore, StorageEngine } from "../engine.ts";
import { UNASSIGNED_DIRECTORY_ID } from "../files-engine.ts";
import type { BrokerEndpoint, LeaseConfig } from "../../cluster/broker-registry.ts";
import { Database } from "./database.ts";
import { migrate } from "./migrations.ts";
import { PostgresBrokerRegistry } from "./postgres-broker-registry.ts";
import { APPEND_CHANNEL, LOG_START_CHANNEL, PostgresLog, partitionRow } from "./postgres-log.ts";

export interface PostgresEngineConfig {
  url: string;
  codec: Pick<Codec, "crc32c" | "decodeRecordBatch">;
  /** Connections per broker (appends to different partitions run in parallel on them). */
  poolSize?: number;
  /** log.retention.check.interval.ms; no periodic check when not given (call cleanupLogs). */
  retentionCheckIntervalMs?: number;
  /** Told when a periodic retention check fails (the next one tries again). */
  log?: Pick<Logger, "warn">;
}

type PartitionKey = `${string}\u0000${number}`;

/** How soon a lost LISTEN connection is tried again. */
const LISTEN_RETRY_MS = 500;

export class PostgresEngine implements StorageEngine {
  readonly name = "postgres";
  readonly directoryId = UNASSIGNED_DIRECTORY_ID;
  readonly producerIds: ProducerIdStore;
  private readonly logs = new Map<PartitionKey, PostgresLog>();
  private configRepository: ((topic: string) => LogConfig) | undefined;
  private listener: pg.Client | undefined;
  private relistenTimer: NodeJS.Timeout | undefined;
  private relistening: Promise<void> | undefined;
  private readonly registries = new Set<PostgresBrokerRegistry>();
  private readonly retentionTimer: NodeJS.Timeout | undefined;
  /** The periodic retention check while it runs. */
  private retentionCheck: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: Database,
    private readonly newClient: () => pg.Client,
    private readonly config: PostgresEngineConfig,
    readonly clusterId: string,
  ) {
    this.producerIds = new ProducerIdRow(db);
    const interval = config.retentionCheckIntervalMs;
    if (interval !== undefined) this.retentionTimer = scheduleRetentionCheck(interval, () => this.checkRetention());
  }

  private get closed(): boolean {
    return this.closing !== undefined;
  }

  static async open(config: PostgresEngineConfig): Promise<PostgresEngine> {
    // Loaded only by brokers that use it: the files and memory engines start without the driver.
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 8 });
    // An idle client's error (the server restarting) must not take the process down; the next query reports it.
    pool.on("error", () => undefined);
    try {
      await migrate(pool);
      const id = uuidToBase64(randomUUID());
      await pool.query("INSERT INTO kafka_cluster (id, cluster_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", [id]);
      const { rows } = await pool.query<{ cluster_id: string }>("SELECT cluster_id FROM kafka_cluster WHERE id = 1");
      const engine = new PostgresEngine(new Database(pool, databaseName(config.url)), () => new pg.Client({ connectionString: config.url }), config, rows[0].cluster_id);
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
    const log = this.logs.get(k) ?? new PostgresLog(this.db, this.config.codec, topic, partition, row.logStartOffset, row.nextOffset, row.size, logConfigOf(topic, this.configRepository));
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
    for (const log of this.logs.values()) if (log.topic === topic) log.config = logConfigOf(topic, this.configRepository);
  }

  /**
   * The retention check on every partition in the database, one statement each (see
   * PostgresLog.deleteOldBatches), and compaction of the compacted ones (PostgresLog.compact).
   * Resolves with how many batches went.
   */
  async cleanupLogs(nowMs = Date.now()): Promise<number> {
    const { rows } = await this.db.query<{ topic: string; partition: number }>("SELECT topic, partition FROM kafka_partitions ORDER BY topic, partition");
    let deleted = 0;
    for (const { topic, partition } of rows) {
      if (this.closed) break;
      const log = await this.getLog(topic, partition);
      if (log) deleted += (await log.deleteOldBatches(nowMs)) + (await log.compact(nowMs));
    }
    return deleted;
  }

  /** A periodic check, unless the last one still runs; one that fails (the database away) is reported and tried at the next interval. */
  private checkRetention(): void {
    this.retentionCheck ??= this.cleanupLogs()
      .then(
        () => undefined,
        (err: Error) => {
          if (!this.closed) this.config.log?.warn(`retention check failed: ${err.message}`);
        },
      )
      .finally(() => (this.retentionCheck = undefined));
  }

  /** Registers `self` in the broker table with a lease renewed until the registry is closed. */
  async registerBroker(self: BrokerEndpoint, lease: LeaseConfig, onError: (err: Error) => void): Promise<PostgresBrokerRegistry> {
    const registry = await PostgresBrokerRegistry.register(this.db, self, lease, onError);
    this.registries.add(registry);
    return registry;
  }

  /**
   * LISTENs for other brokers' appends on a connection of its own; when that connection is lost
   * (the server restarting) it is opened again, and the cached logs re-read their offsets.
   */
  private async listen(): Promise<void> {
    const client = this.newClient();
    client.on("error", () => undefined);
    client.on("notification", (n) => this.onNotification(n.channel, n.payload ?? ""));
    client.once("end", () => this.scheduleRelisten());
    await client.connect();
    await client.query(`LISTEN ${APPEND_CHANNEL}; LISTEN ${LOG_START_CHANNEL}`);
    this.listener = client;
  }

  private scheduleRelisten(): void {
    if (this.closed) return;
    this.relistenTimer = setTimeout(() => (this.relistening = this.relisten()), LISTEN_RETRY_MS);
    this.relistenTimer.unref();
  }

  private async relisten(): Promise<void> {
    try {
      await this.listen();
      for (const log of this.logs.values()) await log.refresh();
    } catch {
      this.scheduleRelisten();
    }
  }

  /**
   * In order, so nothing queries an ended pool: the timers stop and the leases are given back
   * (a renewal in flight finishes first), the LISTEN connection closes (no other broker's append
   * starts work here any more), the retention check and the appends already asked for finish,
   * then the pool ends once the queries in flight are answered (later ones are refused).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.retentionTimer);
      clearTimeout(this.relistenTimer);
      for (const registry of this.registries) await registry.close();
      await this.relistening;
      await this.listener?.end().catch(() => undefined);
      await this.retentionCheck;
      await Promise.all([...this.logs.values()].map((log) => log.appendsDone()));
      await this.db.close();
    })();
    return this.closing;
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

  /**
   * From whichever broker changed the partition row: "<topic> <partition> <next offset> <size>"
   * after an append, "<topic> <partition> <log start offset> <next offset> <size>" after
   * DeleteRecords or retention.
   */
  private onNotification(channel: string, payload: string): void {
    const [topic, partition, ...offsets] = payload.split(" ");
    const log = this.logs.get(key(topic, Number(partition)));
    if (!log) return;
    if (channel === LOG_START_CHANNEL) log.advanceStart(BigInt(offsets.shift()!));
    const [next, size] = offsets;
    log.advanceEnd(BigInt(next), Number(size));
  }
}

/** The database a storage.postgres.url names, without its credentials: what logs and DescribeLogDirs show. */
export function databaseName(url: string): string {
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
