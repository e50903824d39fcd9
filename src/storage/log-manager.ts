/**
 * Kafka's LogManager: finds the `<topic>-<partition>` directories in the log dirs at start-up,
 * opens each partition's log the first time it is asked for, creates new partitions in the
 * first log dir, and deletes the logs of deleted topics as Kafka does: each directory is renamed
 * to `<topic>-<partition>.<id>-delete` at once and removed in the background, so a crash never
 * leaves a deleted topic's data where a new topic of the same name would find it. Each log dir keeps Kafka's
 * `recovery-point-offset-checkpoint` and `log-start-offset-checkpoint` (rewritten every
 * `log.flush.offset.checkpoint.interval.ms` and at shutdown) and, between a clean shutdown and
 * the next start, the `.kafka_cleanshutdown` marker that lets every log open without recovery.
 * Each log gets its topic's LogConfig, and the retention check runs every
 * log.retention.check.interval.ms.
 */
import { randomUUID } from "node:crypto";
import fs, { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "../logger.ts";
import { readPartitionMetadata } from "./partition-metadata.ts";
import { onFile } from "./storage-error.ts";
import {
  LOG_START_OFFSET_CHECKPOINT_FILE,
  type PartitionOffset,
  RECOVERY_POINT_CHECKPOINT_FILE,
  readOffsetCheckpoint,
  syncDirectory,
  writeOffsetCheckpoint,
} from "./offset-checkpoint-file.ts";
import type { Codec } from "../codec/types.ts";
import { LogCleaner, type LogCleanerConfig } from "./log-cleaner.ts";
import { scheduleRetentionCheck } from "./log-retention.ts";
import { DEFAULT_LOG_CONFIG, LONG_MAX, type LogConfig, logConfig } from "./log-config.ts";
import { type LogOptions, type LogRecoveryState, UnifiedLog } from "./unified-log.ts";

export interface LogManagerConfig {
  /** The LogCleaner re-encodes compacted batches with encodeRecordBatch. */
  codec: Pick<Codec, "crc32c" | "decodeRecordBatch" | "encodeRecordBatch">;
  /** A topic's configs: its overrides over the broker's defaults (Kafka's defaults if not given). */
  logConfig?: (topic: string) => LogConfig;
  /** log.flush.offset.checkpoint.interval.ms: how often the recovery points are written. */
  recoveryPointCheckpointIntervalMs?: number;
  /** The LogCleaner's settings; no cleaner runs without them (log.cleaner.enable=false). */
  cleaner?: Omit<LogCleanerConfig, "codec">;
  /** log.retention.check.interval.ms; no periodic check when not given (call cleanupLogs). */
  retentionCheckIntervalMs?: number;
  /** Told about damaged data cut off at open or replay, and files that could not be closed or checkpointed. */
  log?: LogOptions["log"];
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
/** Topics whose logs the broker keeps for itself: they have no TopicRecord in the metadata log. */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set([CLUSTER_METADATA_TOPIC, "__consumer_offsets", "__transaction_state", "__share_group_state"]);

const DELETE_SUFFIX = "-delete";

/**
 * The metadata log's configs, whatever the broker's defaults: never rolled by age (its batches
 * keep the writer's timestamps, the tester's are years old, and one file is the layout Kafka's
 * tools and the tester read) and never deleted by retention (Kafka bounds it with snapshots,
 * which this broker does not write).
 */
export const CLUSTER_METADATA_LOG_CONFIG = logConfig({ segmentMs: Number(LONG_MAX), retentionMs: -1, retentionBytes: -1 });

/** The configs a topic's log runs by, whichever engine keeps it: the metadata log's own, the repository's for the others. */
export function logConfigOf(topic: string, configRepository: ((topic: string) => LogConfig) | undefined): LogConfig {
  if (topic === CLUSTER_METADATA_TOPIC) return CLUSTER_METADATA_LOG_CONFIG;
  return configRepository?.(topic) ?? DEFAULT_LOG_CONFIG;
}

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
  /** From partition.metadata; undefined when the directory has none. */
  topicId: string | undefined;
  log?: UnifiedLog;
}

export class LogManager {
  /** Keyed by directory name. */
  private readonly partitions = new Map<string, PartitionDir>();
  private readonly checkpointTimer: NodeJS.Timeout;
  /** Compacts the logs whose cleanup.policy includes compact. */
  readonly cleaner: LogCleaner | undefined;
  private readonly pendingDeletes = new Set<Promise<void>>();
  private readonly retentionTimer: NodeJS.Timeout | undefined;
  private configRepository: ((topic: string) => LogConfig) | undefined;

  private constructor(
    readonly logDirs: string[],
    private readonly config: LogManagerConfig,
  ) {
    this.configRepository = config.logConfig;
    this.checkpointTimer = setInterval(() => this.checkpointOrWarn(), config.recoveryPointCheckpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
    this.checkpointTimer.unref();
    this.cleaner = config.cleaner && new LogCleaner(this, logDirs, { ...config.cleaner, codec: config.codec });
    const retentionInterval = config.retentionCheckIntervalMs;
    if (retentionInterval !== undefined) this.retentionTimer = scheduleRetentionCheck(retentionInterval, () => this.cleanupLogs());
  }

  /**
   * The log dirs that are readable and writable directories (created if missing); the others are
   * skipped with a warning. Throws when none is left.
   */
  static usableLogDirs(logDirs: string[], log?: Pick<Logger, "warn">): string[] {
    const usable = logDirs.filter((dir) => {
      const problem = directoryProblem(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK, true);
      if (problem) log?.warn(`log.dirs entry ${dir} is not a readable directory (${problem}); skipped`);
      return problem === undefined;
    });
    if (usable.length === 0) throw new Error(`no usable directory in log.dirs (${logDirs.join(",")})`);
    return usable;
  }

  /**
   * Lists the partition directories of every log dir (the first one found wins) with their
   * checkpointed offsets, and takes each dir's clean-shutdown marker away (a crash from now on
   * must be noticed); logs open on first use. Leftover `-delete` directories are removed; entries
   * that are not readable directories are skipped with a warning.
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
        const path = join(logDir, name);
        if (name.endsWith(DELETE_SUFFIX)) {
          rmSync(path, { recursive: true, force: true });
          continue;
        }
        const tp = parseTopicPartition(name);
        if (!tp || manager.partitions.has(name)) continue;
        const problem = directoryProblem(path, fs.constants.R_OK | fs.constants.X_OK);
        if (problem) {
          config.log?.warn(`${path} is not a readable partition directory (${problem}); skipped`);
          continue;
        }
        const topicId = readPartitionMetadata(path);
        const state = { hadCleanShutdown, recoveryPoint: recoveryPointOf.get(name), logStartOffset: logStartOffsetOf.get(name) };
        manager.partitions.set(name, { ...tp, logDir, path, state, topicId });
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

  /**
   * Removes the directories of topics the metadata log does not know, or knows under another topic
   * id (a crash during a deletion, a truncated metadata log), with one warning: called once the
   * metadata is replayed, so a deleted topic's data is never served to a new one of the same name.
   */
  removeStrayLogs(currentTopicId: (topic: string) => string | undefined): void {
    const stray: string[] = [];
    for (const [name, dir] of this.partitions) {
      if (INTERNAL_TOPICS.has(dir.topic) || !isStray(dir.topicId, currentTopicId(dir.topic))) continue;
      dir.log?.close();
      rmSync(dir.path, { recursive: true, force: true });
      this.partitions.delete(name);
      stray.push(name);
    }
    if (stray.length === 0) return;
    const some = `${stray.slice(0, 3).join(", ")}${stray.length > 3 ? ", ..." : ""}`;
    this.config.log?.warn(`removed ${stray.length} partition director${stray.length === 1 ? "y" : "ies"} of deleted topics or other topic ids (${some})`);
  }

  /** The partition's log, opened on first use; undefined when there is none, or it belongs to another topic id. */
  getLog(topic: string, partition: number, topicId?: string): UnifiedLog | undefined {
    const dir = this.partitions.get(partitionDirName(topic, partition));
    if (!dir) return undefined;
    if (topicId !== undefined && dir.topicId !== undefined && dir.topicId !== topicId) return undefined;
    dir.log ??= UnifiedLog.open(dir.path, this.logOptions(topic), dir.state);
    return dir.log;
  }

  /** Every partition directory, with the log dir it lives in. */
  listPartitions(): (TopicPartition & { logDir: string })[] {
    return [...this.partitions.values()].map((d) => ({ topic: d.topic, partition: d.partition, logDir: dirname(d.path) }));
  }

  /** The topic's LogConfig as its logs get it. */
  logConfig(topic: string): LogConfig {
    return logConfigOf(topic, this.configRepository);
  }

  /** Where topics' configs come from from now on (see StorageEngine.useConfigRepository). */
  useConfigRepository(logConfig: (topic: string) => LogConfig): void {
    this.configRepository = logConfig;
  }

  /** Re-reads the topic's configs into its open logs (after AlterConfigs). */
  updateConfig(topic: string): void {
    const config = this.logConfig(topic);
    for (const dir of this.partitions.values()) if (dir.topic === topic) dir.log?.updateConfig(config);
  }

  /**
   * The retention check: every partition's log deletes the segments retention (or DeleteRecords)
   * has left behind. Returns how many segments were deleted.
   */
  cleanupLogs(nowMs = Date.now()): number {
    let deleted = 0;
    for (const dir of [...this.partitions.values()]) {
      const log = this.getLog(dir.topic, dir.partition);
      if (log) deleted += log.deleteOldSegments(nowMs);
    }
    return deleted;
  }

  private logOptions(topic: string): LogOptions {
    return { codec: this.config.codec, config: this.logConfig(topic), log: this.config.log };
  }

  /**
   * Creates the partition's directory, partition.metadata and first segment; an existing log of
   * the same topic id is returned as it is, one of another id is deleted first. Nothing half-made
   * stays behind when it fails.
   */
  createLog(topic: string, partition: number, topicId: string): UnifiedLog {
    const name = partitionDirName(topic, partition);
    const existing = this.partitions.get(name);
    if (existing && existing.topicId !== undefined && existing.topicId !== topicId) this.deleteDir(name, existing);
    const found = this.getLog(topic, partition);
    if (found) return found;
    const path = join(this.logDirs[0], name);
    let log: UnifiedLog;
    try {
      log = UnifiedLog.create(path, topicId, this.logOptions(topic));
    } catch (err) {
      rmSync(path, { recursive: true, force: true });
      throw err;
    }
    this.partitions.set(name, { topic, partition, logDir: this.logDirs[0], path, state: { hadCleanShutdown: false }, topicId, log });
    return log;
  }

  /** Deletes the logs of `topic` from partition `fromPartition` on: renamed now, removed in the background. */
  deleteLogs(topic: string, fromPartition = 0): void {
    if (fromPartition === 0) this.cleaner?.forget(topic);
    for (const [name, dir] of this.partitions) {
      if (dir.topic === topic && dir.partition >= fromPartition) this.deleteDir(name, dir);
    }
  }

  /** Resolves once every background removal started so far has finished. */
  async deletionsDone(): Promise<void> {
    await Promise.all(this.pendingDeletes);
  }

  private deleteDir(name: string, dir: PartitionDir): void {
    dir.log?.close();
    dir.log = undefined;
    const doomed = `${dir.path}.${randomUUID().replace(/-/g, "")}${DELETE_SUFFIX}`;
    onFile(dir.path, () => fs.renameSync(dir.path, doomed));
    this.partitions.delete(name);
    const removal = fs.promises
      .rm(doomed, { recursive: true, force: true })
      .catch((err: Error) => this.config.log?.warn(`could not remove ${doomed} (${err.message}); removed at the next start-up`))
      .finally(() => this.pendingDeletes.delete(removal));
    this.pendingDeletes.add(removal);
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

  /**
   * Flushes and closes every log, writes the checkpoints, then the clean-shutdown marker of each log
   * dir. What cannot be written (a full disk) is reported and the marker left out, so the next start
   * recovers instead of trusting the files.
   */
  close(): void {
    clearInterval(this.checkpointTimer);
    this.cleaner?.shutdown();
    clearInterval(this.retentionTimer);
    let clean = true;
    for (const dir of this.partitions.values()) {
      try {
        dir.log?.close();
      } catch (err) {
        this.config.log?.warn(`could not close ${dir.path} cleanly: ${(err as Error).message}`);
        clean = false;
      }
    }
    clean = this.checkpointOrWarn() && clean;
    for (const dir of this.partitions.values()) dir.log = undefined;
    if (!clean) return;
    for (const logDir of this.logDirs) {
      if (!existsSync(logDir)) continue;
      writeFileSync(join(logDir, CLEAN_SHUTDOWN_FILE), JSON.stringify({ version: 0, brokerEpoch: -1 }));
      syncDirectory(logDir);
    }
  }

  /** A checkpoint that cannot be written is reported, never thrown out of a timer; the next start recovers more. */
  private checkpointOrWarn(): boolean {
    try {
      this.checkpoint();
      return true;
    } catch (err) {
      this.config.log?.warn(`could not write the offset checkpoints: ${(err as Error).message}`);
      return false;
    }
  }
}

/** A directory of a topic the metadata log does not know, or of an earlier topic of the same name. */
function isStray(recorded: string | undefined, current: string | undefined): boolean {
  return current === undefined || (recorded !== undefined && recorded !== current);
}

/** Why `path` (symlinks followed) is not a directory allowing `mode`, as an errno; undefined when it is. */
function directoryProblem(path: string, mode: number, create = false): string | undefined {
  try {
    if (create && !fs.existsSync(path)) fs.mkdirSync(path, { recursive: true });
    if (!fs.statSync(path).isDirectory()) return "ENOTDIR";
    fs.accessSync(path, mode);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}
