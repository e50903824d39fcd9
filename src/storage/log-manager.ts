/**
 * Kafka's LogManager: finds the `<topic>-<partition>` directories in the log dirs at start-up,
 * opens each partition's log the first time it is asked for, creates new partitions in the
 * first log dir, and removes the logs of deleted topics.
 */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type LogConfig, UnifiedLog } from "./unified-log.ts";

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** The KRaft metadata log's topic: a partition log like the others, which only ClusterMetadata reads and writes. */
export const CLUSTER_METADATA_TOPIC = "__cluster_metadata";

/**
 * "my-topic-12" → { topic: "my-topic", partition: 12 }. Topic names may hold '-' and '.', so the
 * partition is what follows the last '-'. Kafka's "-delete", "-future" and "-stray" directories
 * (and anything else) do not parse.
 */
export function parseTopicPartition(dirName: string): TopicPartition | undefined {
  const match = /^(.+)-(0|[1-9]\d{0,9})$/.exec(dirName);
  if (!match) return undefined;
  const partition = Number(match[2]);
  if (partition > 0x7fffffff) return undefined;
  return { topic: match[1], partition };
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

interface PartitionDir extends TopicPartition {
  path: string;
  log?: UnifiedLog;
}

export class LogManager {
  /** Keyed by directory name. */
  private readonly partitions = new Map<string, PartitionDir>();

  private constructor(
    readonly logDirs: string[],
    private readonly config: LogConfig,
  ) {}

  /** Lists the partition directories of every log dir (the first one found wins); logs open on first use. */
  static open(logDirs: string[], config: LogConfig): LogManager {
    if (logDirs.length === 0) throw new RangeError("at least one log dir is needed");
    const manager = new LogManager(logDirs, config);
    for (const logDir of logDirs) {
      if (!existsSync(logDir)) continue;
      for (const name of readdirSync(logDir)) {
        const tp = parseTopicPartition(name);
        const path = join(logDir, name);
        if (!tp || manager.partitions.has(name) || !statSync(path).isDirectory()) continue;
        manager.partitions.set(name, { ...tp, path });
      }
    }
    return manager;
  }

  getLog(topic: string, partition: number): UnifiedLog | undefined {
    const dir = this.partitions.get(partitionDirName(topic, partition));
    if (!dir) return undefined;
    dir.log ??= UnifiedLog.open(dir.path, this.config);
    return dir.log;
  }

  /** Creates the partition's directory, partition.metadata and first segment; an existing log is returned as it is. */
  createLog(topic: string, partition: number, topicId: string): UnifiedLog {
    const existing = this.getLog(topic, partition);
    if (existing) return existing;
    const name = partitionDirName(topic, partition);
    const path = join(this.logDirs[0], name);
    const log = UnifiedLog.create(path, topicId, this.config);
    this.partitions.set(name, { topic, partition, path, log });
    return log;
  }

  /** Closes and removes every partition directory of `topic` at once (Kafka renames them first and removes them later). */
  deleteLogs(topic: string): void {
    for (const [name, dir] of this.partitions) {
      if (dir.topic !== topic) continue;
      this.partitions.delete(name);
      if (dir.log) dir.log.delete();
      else rmSync(dir.path, { recursive: true, force: true });
    }
  }

  close(): void {
    for (const dir of this.partitions.values()) {
      dir.log?.close();
      dir.log = undefined;
    }
  }
}
