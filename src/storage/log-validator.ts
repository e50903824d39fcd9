/**
 * Kafka's LogValidator, for what a topic's configs say about batches appended as leader: the size
 * and timestamp checks every engine makes before an append, and the log-append-time stamp.
 */
import { readBatchHeader, setLogAppendTime } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import type { LogConfig } from "./log-config.ts";
import type { AssignedOffsets } from "./record-batches.ts";
import { batchSpans } from "./record-batches.ts";

/** Why an append was refused, with the error code Produce answers. */
export interface AppendRefusal {
  errorCode: number;
  errorMessage: string;
}

/**
 * A batch larger than max.message.bytes (MESSAGE_TOO_LARGE) or than segment.bytes
 * (RECORD_LIST_TOO_LARGE), and with CreateTime a timestamp outside
 * message.timestamp.before/after.max.ms (INVALID_TIMESTAMP).
 */
export function analyzeAndValidate(config: LogConfig, batches: Uint8Array, nowMs: number): AppendRefusal | undefined {
  for (const { position, size } of batchSpans(batches)) {
    if (size > config.maxMessageBytes) {
      return { errorCode: ErrorCode.MESSAGE_TOO_LARGE, errorMessage: `The record batch is ${size} bytes, larger than max.message.bytes (${config.maxMessageBytes}).` };
    }
    if (size > config.segmentBytes) {
      return { errorCode: ErrorCode.RECORD_LIST_TOO_LARGE, errorMessage: `The record batch is ${size} bytes, larger than segment.bytes (${config.segmentBytes}).` };
    }
    if (config.messageTimestampType === "CreateTime") {
      const { firstTimestamp, maxTimestamp } = readBatchHeader(batches, position);
      if (nowMs - Number(firstTimestamp) > config.messageTimestampBeforeMaxMs || Number(maxTimestamp) - nowMs > config.messageTimestampAfterMaxMs) {
        return { errorCode: ErrorCode.INVALID_TIMESTAMP, errorMessage: "A timestamp is out of the range message.timestamp.before.max.ms / after.max.ms allow." };
      }
    }
  }
  return undefined;
}

/**
 * Under message.timestamp.type=LogAppendTime stamps each batch (max_timestamp, the timestamp-type
 * bit, the CRC) with `nowMs` and returns it; -1 under CreateTime, where batches are kept as sent.
 */
export function maybeStampLogAppendTime(config: LogConfig, assigned: AssignedOffsets, bytes: Uint8Array, nowMs: number, crc32c: Codec["crc32c"]): bigint {
  if (config.messageTimestampType !== "LogAppendTime") return -1n;
  const now = BigInt(nowMs);
  for (const batch of assigned.batches) {
    setLogAppendTime(bytes, batch.position, now, crc32c);
    batch.header = readBatchHeader(bytes, batch.position);
  }
  return now;
}
