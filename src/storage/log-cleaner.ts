/**
 * Kafka's LogCleaner and LogCleanerManager: a background task that, every
 * `log.cleaner.backoff.ms` while there is nothing to do, picks the compacted log with the largest
 * dirty ratio (at least its min.cleanable.dirty.ratio, or past its max.compaction.lag.ms, or
 * holding tombstones whose delete horizon has passed) and cleans it. Where each log's dirty
 * section starts is kept per log dir in Kafka's `cleaner-offset-checkpoint`.
 */
import { join } from "node:path";
import type { Codec } from "../codec/types.ts";
import { type CompactionConfig, cleanLog, cleanableSection } from "./cleaner.ts";
import { type PartitionOffset, readOffsetCheckpoint, writeOffsetCheckpoint } from "./offset-checkpoint-file.ts";
import type { UnifiedLog } from "./unified-log.ts";

export const CLEANER_OFFSET_CHECKPOINT_FILE = "cleaner-offset-checkpoint";

export interface LogCleanerConfig {
  /** log.cleaner.backoff.ms: the pause when no log needs cleaning. */
  backoffMs: number;
  /** log.cleaner.dedupe.buffer.size: bounds the keys one clean maps (an entry is counted as 24 bytes, as Kafka's). */
  dedupeBufferSize: number;
  /** A log's compaction settings when its cleanup.policy includes compact; undefined otherwise. */
  compactionOf(topic: string, log: UnifiedLog): CompactionConfig | undefined;
  codec: Pick<Codec, "decodeRecordBatch" | "encodeRecordBatch" | "crc32c">;
  /** Where a failed clean is reported (the log is left as it was). */
  warn(message: string): void;
}

/** The logs the cleaner may clean: the open ones, with the log dir holding each. */
export interface CleanableLogs {
  openLogs(): { topic: string; partition: number; logDir: string; log: UnifiedLog }[];
}

export const DEFAULT_LOG_CLEANER_BACKOFF_MS = 15_000;
export const DEFAULT_DEDUPE_BUFFER_SIZE = 134_217_728;
/** Kafka's SkimpyOffsetMap entry: a 16-byte key hash and an 8-byte offset. */
const MAP_ENTRY_BYTES = 24;

export class LogCleaner {
  /** First dirty offsets by log dir, then by `<topic>-<partition>`. */
  private readonly checkpoints = new Map<string, Map<string, PartitionOffset>>();
  /** The earliest delete horizon of each log's retained tombstones, so they are removed once it passes. */
  private readonly deleteHorizons = new Map<UnifiedLog, number>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly logs: CleanableLogs,
    logDirs: string[],
    private readonly config: LogCleanerConfig,
  ) {
    for (const logDir of logDirs) {
      const entries = readOffsetCheckpoint(join(logDir, CLEANER_OFFSET_CHECKPOINT_FILE)) ?? [];
      this.checkpoints.set(logDir, new Map(entries.map((e) => [`${e.topic}-${e.partition}`, e])));
    }
  }

  /** Starts the background loop. */
  startup(): void {
    this.schedule(0);
  }

  /**
   * Cleans the filthiest cleanable log once; false when no log needed it. What the background
   * loop runs, and what tests call to clean at a chosen time.
   */
  async cleanFilthiestLog(now = Date.now()): Promise<boolean> {
    let filthiest: { entry: ReturnType<CleanableLogs["openLogs"]>[number]; config: CompactionConfig; ratio: number; section: ReturnType<typeof cleanableSection> } | undefined;
    for (const entry of this.logs.openLogs()) {
      const config = this.config.compactionOf(entry.topic, entry.log);
      if (!config) continue;
      const checkpointed = this.checkpoints.get(entry.logDir)?.get(`${entry.topic}-${entry.partition}`)?.offset ?? entry.log.logStartOffset;
      const section = cleanableSection(entry.log, checkpointed, config, now);
      const total = section.cleanBytes + section.dirtyBytes;
      const ratio = total === 0 ? 0 : section.dirtyBytes / total;
      const horizonPassed = (this.deleteHorizons.get(entry.log) ?? Infinity) <= now;
      const due = (section.dirtyBytes > 0 && (ratio >= config.minCleanableDirtyRatio || section.overdue)) || horizonPassed;
      if (due && (!filthiest || ratio > filthiest.ratio)) filthiest = { entry, config, ratio, section };
    }
    if (!filthiest) return false;
    const { entry, config, section } = filthiest;
    const cancelled = () => this.closed || !this.logs.openLogs().some((e) => e.log === entry.log);
    const result = await cleanLog(entry.log, section, config, now, {
      codec: this.config.codec,
      maxMapEntries: Math.max(1, Math.floor(this.config.dedupeBufferSize / MAP_ENTRY_BYTES)),
      cancelled,
    });
    if (!result || cancelled()) return false;
    if (result.nextDeleteHorizonMs === undefined) this.deleteHorizons.delete(entry.log);
    else this.deleteHorizons.set(entry.log, result.nextDeleteHorizonMs);
    this.checkpoint(entry.logDir, { topic: entry.topic, partition: entry.partition, offset: result.endOffset });
    return true;
  }

  /** Stops the loop; a clean in progress stops at its next yield, its cleaned files removed. */
  shutdown(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.cleanFilthiestLog()
        .catch((err: Error) => {
          if (!this.closed) this.config.warn(`log cleaner: ${err.message}`);
          return false;
        })
        .then((cleaned) => this.schedule(cleaned ? 0 : this.config.backoffMs));
    }, delayMs);
    this.timer.unref();
  }

  /** Records a log's new first dirty offset and rewrites its log dir's checkpoint, dropping logs that are gone. */
  private checkpoint(logDir: string, entry: PartitionOffset): void {
    const entries = this.checkpoints.get(logDir) ?? new Map<string, PartitionOffset>();
    entries.set(`${entry.topic}-${entry.partition}`, entry);
    this.checkpoints.set(logDir, entries);
    writeOffsetCheckpoint(join(logDir, CLEANER_OFFSET_CHECKPOINT_FILE), [...entries.values()]);
  }

  /** Drops a deleted topic's first dirty offsets, so a topic created again under its name is cleaned from its start. */
  forget(topic: string): void {
    for (const [logDir, entries] of this.checkpoints) {
      const before = entries.size;
      for (const [name, entry] of entries) if (entry.topic === topic) entries.delete(name);
      if (entries.size !== before) writeOffsetCheckpoint(join(logDir, CLEANER_OFFSET_CHECKPOINT_FILE), [...entries.values()]);
    }
  }
}
