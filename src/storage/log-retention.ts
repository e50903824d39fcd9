/**
 * Kafka's retention rules (UnifiedLog.deleteOldSegments), one place for every engine: with
 * cleanup.policy=delete, the oldest units of a log (segments in log files, batches where an
 * engine keeps batches) go while each is past retention.ms by its newest timestamp, beyond
 * retention.bytes, or wholly below the log start offset; the first unit that is none of these
 * stops the deletion, so the log stays a contiguous range of offsets. Compacted logs
 * (cleanup.policy=compact alone: __consumer_offsets, __transaction_state) are never deleted by
 * time or size.
 */
import { hasDeletePolicy, type LogConfig } from "./log-config.ts";

/** The limits a log's configs set at `nowMs`; a limit left undefined does not apply. */
export interface RetentionLimits {
  /** A unit whose newest timestamp is below this is past retention.ms. */
  expiredBefore: number | undefined;
  /** retention.bytes. */
  retentionBytes: number | undefined;
}

export function retentionLimits(config: LogConfig, nowMs: number): RetentionLimits {
  const deletePolicy = hasDeletePolicy(config);
  return {
    expiredBefore: deletePolicy && config.retentionMs >= 0 ? nowMs - config.retentionMs : undefined,
    retentionBytes: deletePolicy && config.retentionBytes >= 0 ? config.retentionBytes : undefined,
  };
}

export interface RetentionUnit {
  size: number;
  /** The newest timestamp in the unit (ms); undefined when it has none, and so is not deleted by time. */
  largestTimestamp: number | undefined;
  /** Wholly below the log start offset (DeleteRecords moved it past the unit). */
  belowStart?: boolean;
}

/** How many of the oldest `units` (oldest first, `totalSize` bytes in all) retention deletes. */
export function deletableCount(limits: RetentionLimits, totalSize: number, units: Iterable<RetentionUnit>): number {
  let excessBytes = limits.retentionBytes === undefined ? 0 : totalSize - limits.retentionBytes;
  let count = 0;
  for (const unit of units) {
    if (unit.size === 0) break;
    const expired = limits.expiredBefore !== undefined && unit.largestTimestamp !== undefined && unit.largestTimestamp < limits.expiredBefore;
    const overSize = excessBytes - unit.size >= 0;
    if (!unit.belowStart && !expired && !overSize) break;
    excessBytes -= unit.size;
    count++;
  }
  return count;
}

/** setInterval and setTimeout fire at once for longer delays. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `check` every log.retention.check.interval.ms, without keeping the process alive. */
export function scheduleRetentionCheck(intervalMs: number, check: () => void): NodeJS.Timeout {
  const timer = setInterval(check, Math.min(intervalMs, MAX_TIMER_MS));
  timer.unref();
  return timer;
}
