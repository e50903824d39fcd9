/**
 * The "files" storage engine: Kafka's log directories. Partition logs (the broker's internal
 * topics' too) are `<topic>-<partition>` directories kept by the LogManager; `meta.properties`
 * holds cluster.id and directory.id; `producer-ids.json` the next producer id.
 */
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statfsSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parseProperties } from "../config.ts";
import type { LogDirDescription, ProducerIdState, ProducerIdStore, StorageEngine } from "./engine.ts";
import { CLUSTER_METADATA_TOPIC, LogManager, type LogManagerConfig } from "./log-manager.ts";
import type { LogConfig } from "./log-config.ts";
import type { UnifiedLog } from "./unified-log.ts";
import { uuidFromBase64, uuidToBase64 } from "./uuid-base64.ts";

export const PRODUCER_IDS_FILE = "producer-ids.json";

/** Kafka's DirectoryId.UNASSIGNED, recorded when meta.properties names no directory.id. */
export const UNASSIGNED_DIRECTORY_ID = "00000000-0000-0000-0000-000000000000";

export interface FilesEngineConfig extends LogManagerConfig {
  logDirs: string[];
  /** node.id, written to a new meta.properties. */
  nodeId: number;
}

export class FilesEngine implements StorageEngine {
  readonly name = "files";
  readonly producerIds: ProducerIdStore;

  private constructor(
    private readonly logs: LogManager,
    readonly clusterId: string,
    readonly directoryId: string,
  ) {
    this.producerIds = new ProducerIdFile(join(logs.logDirs[0], PRODUCER_IDS_FILE));
  }

  static open(config: FilesEngineConfig): FilesEngine {
    const { nodeId, ...logConfig } = config;
    // A log dir that is not a usable directory is skipped with a warning; the first usable one holds the metadata.
    const logDirs = LogManager.usableLogDirs(config.logDirs, config.log);
    const properties = readOrCreateMetaProperties(logDirs[0], nodeId);
    const directoryId = uuidFromBase64(properties.get("directory.id") ?? "") ?? UNASSIGNED_DIRECTORY_ID;
    return new FilesEngine(LogManager.open(logDirs, logConfig), properties.get("cluster.id")!, directoryId);
  }

  getLog(topic: string, partition: number): UnifiedLog | undefined {
    return this.logs.getLog(topic, partition);
  }

  createLog(topic: string, partition: number, topicId: string): UnifiedLog {
    return this.logs.createLog(topic, partition, topicId);
  }

  deleteLogs(topic: string, fromPartition = 0): void {
    this.logs.deleteLogs(topic, fromPartition);
  }

  removeStrayLogs(currentTopicId: (topic: string) => string | undefined): void {
    this.logs.removeStrayLogs(currentTopicId);
  }

  describeLogDirs(): LogDirDescription[] {
    // The metadata log is Raft's, not a replica: Kafka does not list it either.
    const partitions = this.logs.listPartitions().filter((p) => p.topic !== CLUSTER_METADATA_TOPIC);
    return this.logs.logDirs.map((path) => ({
      path,
      partitions: partitions
        .filter((p) => p.logDir === path)
        .map((p) => ({ topic: p.topic, partition: p.partition, size: this.logs.getLog(p.topic, p.partition)?.size ?? 0 })),
      space: fileSystemSpace(path),
    }));
  }

  useConfigRepository(logConfig: (topic: string) => LogConfig): void {
    this.logs.useConfigRepository(logConfig);
  }

  updateConfig(topic: string): void {
    this.logs.updateConfig(topic);
  }

  /** The retention check, at once (it also runs every log.retention.check.interval.ms); returns how many segments were deleted. */
  cleanupLogs(nowMs = Date.now()): number {
    return this.logs.cleanupLogs(nowMs);
  }

  close(): void {
    this.logs.close();
  }
}

function fileSystemSpace(dir: string): LogDirDescription["space"] {
  try {
    const s = statfsSync(dir, { bigint: true });
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return undefined;
  }
}

/** meta.properties (written by `kafka-storage format` or the tester); created with a new cluster.id if absent or without one. */
function readOrCreateMetaProperties(logDir: string, nodeId: number): Map<string, string> {
  const path = join(logDir, "meta.properties");
  const properties = parseProperties(existsSync(path) ? readFileSync(path, "utf8") : "");
  if (properties.get("cluster.id")) return properties;
  const id = uuidToBase64(randomUUID());
  writeFileSync(path, `#\ncluster.id=${id}\nnode.id=${nodeId}\nversion=1\n`);
  return parseProperties(readFileSync(path, "utf8"));
}

/** Files written before transactions moved to __transaction_state also hold "transactionalIds", which is ignored. */
interface StoredState {
  nextProducerId: string;
}

/** producer-ids.json, replaced whole on every save. */
export class ProducerIdFile implements ProducerIdStore {
  constructor(private readonly path: string) {}

  load(): ProducerIdState | undefined {
    if (!existsSync(this.path)) return undefined;
    const stored = JSON.parse(readFileSync(this.path, "utf8")) as StoredState;
    return { nextProducerId: BigInt(stored.nextProducerId) };
  }

  /** Written to a temporary file, fsynced and renamed, so a crash leaves the old or the new state whole. */
  /** One broker owns a log dir, so nothing else saves between its load and its save. */
  save(state: ProducerIdState): boolean {
    const stored: StoredState = { nextProducerId: state.nextProducerId.toString() };
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, JSON.stringify(stored));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    return true;
  }
}
