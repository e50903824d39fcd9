/**
 * Kafka's LogManager: finds the `<topic>-<partition>` directories in the log dirs at start-up,
 * opens each partition's log the first time it is asked for, creates new partitions in the
 * first log dir, and removes the logs of deleted topics. Each log dir keeps Kafka's
 * `recovery-point-offset-checkpoint` and `log-start-offset-checkpoint` (rewritten every
 * `log.flush.offset.checkpoint.interval.ms` and at shutdown) and, between a clean shutdown and
 * the next start, the `.kafka_cleanshutdown` marker that lets every log open without recovery.
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  LOG_START_OFFSET_CHECKPOINT_FILE,
  type PartitionOffset,
  RECOVERY_POINT_CHECKPOINT_FILE,
  readOffsetCheckpoint,
  syncDirectory,
  writeOffsetCheckpoint,
} from "./offset-checkpoint-file.ts";
import { LogCleaner, type LogCleanerConfig } from "./log-cleaner.ts";
import { type LogConfig, type LogRecoveryState, UnifiedLog } from "./unified-log.ts";

export interface LogManagerConfig extends LogConfig {
  /** log.flush.offset.checkpoint.interval.ms: how often the recovery points are written. */
  recoveryPointCheckpointIntervalMs?: number;
  /** The LogCleaner's settings; no cleaner runs without them (log.cleaner.enable=false). */
  cleaner?: Omit<LogCleanerConfig, "codec">;
}

/** Kafka's CleanShutdownFileHandler file. */
export const CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";
const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;

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
  /** The log dir holding it. */
  logDir: string;
  path: string;
  /** What the checkpoints and the clean-shutdown marker said at start-up; used when the log is opened. */
  state: LogRecoveryState;
  log?: UnifiedLog;
}

export class LogManager {
  /** Keyed by directory name. */
  private readonly partitions = new Map<string, PartitionDir>();
  private readonly checkpointTimer: NodeJS.Timeout;
  /** Compacts the logs whose cleanup.policy includes compact. */
  readonly cleaner: LogCleaner | undefined;

  private constructor(
    readonly logDirs: string[],
    private readonly config: LogManagerConfig,
  ) {
    this.checkpointTimer = setInterval(() => this.checkpoint(), config.recoveryPointCheckpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
    this.checkpointTimer.unref();
    this.cleaner = config.cleaner && new LogCleaner(this, logDirs, { ...config.cleaner, codec: config.codec });
  }

  /**
   * Lists the partition directories of every log dir (the first one found wins) with their
   * checkpointed offsets, and takes each dir's clean-shutdown marker away (a crash from now on
   * must be noticed); logs open on first use.
   */
  static open(logDirs: string[], config: LogManagerConfig): LogManager {
    if (logDirs.length === 0) throw new RangeError("at least one log dir is needed");
    const manager = new LogManager(logDirs, config);
    for (const logDir of logDirs) {
      if (!existsSync(logDir)) continue;
      const marker = join(logDir, CLEAN_SHUTDOWN_FILE);
      const recoveryPoints = readOffsetCheckpoint(join(logDir, RECOVERY_POINT_CHECKPOINT_FILE));
      const logStartOffsets = readOffsetCheckpoint(join(logDir, LOG_START_OFFSET_CHECKPOINT_FILE));
      // Without a readable recovery-point checkpoint nothing says what was flushed: recover everything.
      const hadCleanShutdown = existsSync(marker) && recoveryPoints !== undefined;
      const byName = (entries: PartitionOffset[] | undefined) => new Map((entries ?? []).map((e) => [partitionDirName(e.topic, e.partition), e.offset]));
      const [recoveryPointOf, logStartOffsetOf] = [byName(recoveryPoints), byName(logStartOffsets)];
      for (const name of readdirSync(logDir)) {
        const tp = parseTopicPartition(name);
        const path = join(logDir, name);
        if (!tp || manager.partitions.has(name) || !statSync(path).isDirectory()) continue;
        const state = { hadCleanShutdown, recoveryPoint: recoveryPointOf.get(name), logStartOffset: logStartOffsetOf.get(name) };
        manager.partitions.set(name, { ...tp, logDir, path, state });
      }
      if (existsSync(marker)) {
        rmSync(marker);
        syncDirectory(logDir);
      }
    }
    manager.cleaner?.startup();
    return manager;
  }

  /** The logs opened so far, with the log dir of each: what the LogCleaner looks at. */
  openLogs(): { topic: string; partition: number; logDir: string; log: UnifiedLog }[] {
    return [...this.partitions.values()].flatMap(({ topic, partition, logDir, log }) => (log ? [{ topic, partition, logDir, log }] : []));
  }

  getLog(topic: string, partition: number): UnifiedLog | undefined {
    const dir = this.partitions.get(partitionDirName(topic, partition));
    if (!dir) return undefined;
    dir.log ??= UnifiedLog.open(dir.path, this.config, dir.state);
    return dir.log;
  }

  /** Every partition directory, with the log dir it lives in. */
  listPartitions(): (TopicPartition & { logDir: string })[] {
    return [...this.partitions.values()].map((d) => ({ topic: d.topic, partition: d.partition, logDir: dirname(d.path) }));
  }

  /** Creates the partition's directory, partition.metadata and first segment; an existing log is returned as it is. */
  createLog(topic: string, partition: number, topicId: string): UnifiedLog {
    const existing = this.getLog(topic, partition);
    if (existing) return existing;
    const name = partitionDirName(topic, partition);
    const path = join(this.logDirs[0], name);
    const log = UnifiedLog.create(path, topicId, this.config);
    this.partitions.set(name, { topic, partition, logDir: this.logDirs[0], path, state: { hadCleanShutdown: false }, log });
    return log;
  }

  /** Closes and removes every partition directory of `topic` at once (Kafka renames them first and removes them later). */
  deleteLogs(topic: string): void {
    this.cleaner?.forget(topic);
    for (const [name, dir] of this.partitions) {
      if (dir.topic !== topic) continue;
      this.partitions.delete(name);
      if (dir.log) dir.log.delete();
      else rmSync(dir.path, { recursive: true, force: true });
    }
  }

  /**
   * Writes each log dir's checkpoints: every partition's recovery point, and the log start
   * offsets that are past their first segment (Kafka omits the others). A log not opened since
   * start-up keeps what its checkpoint said.
   */
  checkpoint(): void {
    for (const logDir of this.logDirs) {
      if (!existsSync(logDir)) continue;
      const recoveryPoints: PartitionOffset[] = [];
      const logStartOffsets: PartitionOffset[] = [];
      for (const dir of this.partitions.values()) {
        if (dir.logDir !== logDir) continue;
        const { topic, partition, log, state } = dir;
        const recoveryPoint = log ? log.recoveryPoint : state.recoveryPoint;
        if (recoveryPoint !== undefined) recoveryPoints.push({ topic, partition, offset: recoveryPoint });
        const logStartOffset = log ? (log.logStartOffset > log.firstSegmentBaseOffset ? log.logStartOffset : undefined) : state.logStartOffset;
        if (logStartOffset !== undefined) logStartOffsets.push({ topic, partition, offset: logStartOffset });
      }
      writeOffsetCheckpoint(join(logDir, RECOVERY_POINT_CHECKPOINT_FILE), recoveryPoints);
      writeOffsetCheckpoint(join(logDir, LOG_START_OFFSET_CHECKPOINT_FILE), logStartOffsets);
    }
  }

  /** Flushes and closes every log, writes the checkpoints, then the clean-shutdown marker of each log dir. */
  close(): void {
    clearInterval(this.checkpointTimer);
    this.cleaner?.shutdown();
    for (const dir of this.partitions.values()) dir.log?.close();
    this.checkpoint();
    for (const dir of this.partitions.values()) dir.log = undefined;
    for (const logDir of this.logDirs) {
      if (!existsSync(logDir)) continue;
      writeFileSync(join(logDir, CLEAN_SHUTDOWN_FILE), JSON.stringify({ version: 0, brokerEpoch: -1 }));
      syncDirectory(logDir);
    }
  }
}
