/**
 * One page of a partition's records for the console: read from the log a bounded chunk at a
 * time, batches decoded with the broker's codec (gzip batches inflated with node:zlib first;
 * snappy, lz4 and zstd are reported as such, not guessed at). The event loop is yielded between
 * chunks, so a page never holds up the Kafka listener.
 */
import { gunzipSync } from "node:zlib";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { BATCH_HEADER_SIZE, BatchField, COMPRESSION_MASK, CONTROL_BATCH, readBatchHeader } from "../codec/batch-header.ts";
import type { Codec, DecodedRecordBatch } from "../codec/types.ts";
import { OFFSET_OUT_OF_RANGE, type PartitionLog } from "../storage/engine.ts";
import { batchSpans } from "../storage/record-batches.ts";

export const MAX_PAGE_RECORDS = 500;
/** Log bytes one page may read at most (a page of huge records stops early and says where to go on). */
const MAX_PAGE_READ_BYTES = 16 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
/** Longer keys, values and header values are cut for display; `size` tells the real length. */
const MAX_SHOWN_BYTES = 64 * 1024;

const COMPRESSION_NAMES = ["none", "gzip", "snappy", "lz4", "zstd"];

/** Bytes as the console shows them: JSON pretty-printed, UTF-8 text, or hex. */
export interface ShownBytes {
  format: "json" | "text" | "hex";
  text: string;
  size: number;
  truncated: boolean;
}

export interface BrowsedRecord {
  offset: string;
  timestamp: string;
  key: ShownBytes | null;
  value: ShownBytes | null;
  headers: { key: string; value: ShownBytes | null }[];
}

/** A batch whose records this broker cannot decode (its compression codec is not available here). */
export interface UndecodedBatch {
  baseOffset: string;
  lastOffset: string;
  compression: string;
  recordsCount: number;
}

export interface MessagePage {
  records: BrowsedRecord[];
  undecoded: UndecodedBatch[];
  /** Where the next page starts (the log end offset when this page reached it). */
  nextOffset: string;
  logStartOffset: string;
  logEndOffset: string;
}

export async function browseMessages(
  log: PartitionLog,
  codec: Pick<Codec, "crc32c" | "decodeRecordBatch">,
  fromOffset: bigint,
  limit: number,
): Promise<MessagePage> {
  const records: BrowsedRecord[] = [];
  const undecoded: UndecodedBatch[] = [];
  let offset = fromOffset < log.logStartOffset ? log.logStartOffset : fromOffset;
  let readBytes = 0;
  while (records.length < limit && offset < log.logEndOffset && readBytes < MAX_PAGE_READ_BYTES) {
    const read = await log.read(offset, READ_CHUNK_BYTES, true);
    if (read === OFFSET_OUT_OF_RANGE || read.records.length === 0) break;
    readBytes += read.records.length;
    let next = offset;
    for (const span of batchSpans(read.records)) {
      const bytes = read.records.subarray(span.position, span.position + span.size);
      const header = readBatchHeader(bytes);
      const lastOffset = header.baseOffset + BigInt(header.lastOffsetDelta);
      next = lastOffset + 1n;
      if ((header.attributes & CONTROL_BATCH) !== 0 || lastOffset < offset) continue;
      const batch = decodeBatch(codec, bytes);
      if (!batch) {
        undecoded.push({
          baseOffset: String(header.baseOffset),
          lastOffset: String(lastOffset),
          compression: COMPRESSION_NAMES[header.attributes & COMPRESSION_MASK] ?? "unknown",
          recordsCount: header.recordsCount,
        });
        continue;
      }
      let stoppedAt: bigint | undefined;
      for (const r of batch.records) {
        const recordOffset = batch.baseOffset + BigInt(r.offsetDelta);
        if (recordOffset < offset) continue;
        if (records.length === limit) {
          stoppedAt = recordOffset;
          break;
        }
        records.push({
          offset: String(recordOffset),
          timestamp: String(batch.firstTimestamp + r.timestampDelta),
          key: showBytes(r.key),
          value: showBytes(r.value),
          headers: (r.headers ?? []).map((h) => ({ key: h.key, value: showBytes(h.value) })),
        });
      }
      if (stoppedAt !== undefined) {
        next = stoppedAt;
        break;
      }
      if (records.length === limit) break;
    }
    if (next <= offset) break;
    offset = next;
    await yieldToEventLoop();
  }
  return {
    records,
    undecoded,
    nextOffset: String(offset < log.logEndOffset ? offset : log.logEndOffset),
    logStartOffset: String(log.logStartOffset),
    logEndOffset: String(log.logEndOffset),
  };
}

/**
 * Decodes a stored batch; a gzip batch is rewritten uncompressed (attributes, length and CRC
 * updated) so the project's codec decodes it like any other. Undefined for snappy, lz4 and zstd.
 */
export function decodeBatch(codec: Pick<Codec, "crc32c" | "decodeRecordBatch">, bytes: Uint8Array): DecodedRecordBatch | undefined {
  const compression = bytes[BatchField.Attributes + 1] & COMPRESSION_MASK;
  if (compression === 0) return codec.decodeRecordBatch(bytes);
  if (compression !== 1) return undefined;
  const inflated = gunzipSync(bytes.subarray(BATCH_HEADER_SIZE));
  const plain = new Uint8Array(BATCH_HEADER_SIZE + inflated.length);
  plain.set(bytes.subarray(0, BATCH_HEADER_SIZE));
  plain.set(inflated, BATCH_HEADER_SIZE);
  const view = new DataView(plain.buffer);
  view.setInt32(BatchField.BatchLength, plain.length - 12);
  view.setInt16(BatchField.Attributes, view.getInt16(BatchField.Attributes) & ~COMPRESSION_MASK);
  view.setUint32(BatchField.Crc, codec.crc32c(plain.subarray(BatchField.Attributes)));
  return codec.decodeRecordBatch(plain);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function showBytes(bytes: Uint8Array | null): ShownBytes | null {
  if (bytes === null) return null;
  const shown = bytes.subarray(0, MAX_SHOWN_BYTES);
  const truncated = shown.length < bytes.length;
  let text: string;
  try {
    text = utf8.decode(shown);
  } catch {
    return { format: "hex", text: Buffer.from(shown).toString("hex").replace(/(..)(?!$)/g, "$1 "), size: bytes.length, truncated };
  }
  if (!truncated && /^\s*[[{]/.test(text)) {
    try {
      return { format: "json", text: JSON.stringify(JSON.parse(text), null, 2), size: bytes.length, truncated };
    } catch {
      // Looked like JSON but is not: shown as the text it is.
    }
  }
  return { format: "text", text, size: bytes.length, truncated };
}
