/**
 * The compression codecs of Kafka's record batches (attributes bits 0-2), for compaction, which must
 * read the keys of compressed batches (the LogCleaner, and the postgres engine's batch compaction)
 * and, in the LogCleaner, write back what it keeps: gzip (node:zlib), snappy
 * (snappyjs, in the xerial framing Kafka's Java client writes; unframed snappy is read too), lz4
 * (lz4js, LZ4 frames) and zstd (fzstd, which only decompresses: the cleaner writes what it keeps of a
 * zstd batch uncompressed). The records section follows the batch header; the batch length and
 * the CRC-32C (attributes to the end) change with it.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import snappy from "snappyjs";
import lz4 from "lz4js";
import { Decompress as ZstdDecompress } from "fzstd";
import { BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD, BatchField, COMPRESSION_MASK, CONTROL_BATCH, readBatchHeader } from "../codec/batch-header.ts";
import type { Codec, DecodedRecordBatch } from "../codec/types.ts";

const GZIP = 1;
const SNAPPY = 2;
const LZ4 = 3;
const ZSTD = 4;

/** xerial snappy-java's stream header: magic, then version 1 and minimum compatible version 1. */
const XERIAL_HEADER = Uint8Array.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
/** snappy-java's block size. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

type Crc32c = (bytes: Uint8Array) => number;

/** A compressed batch that would decompress to more than this is left as it is (a decompression bomb cannot fill memory). */
export const MAX_DECOMPRESSED_BATCH_BYTES = 128 * 1024 * 1024;

/** A record key as compaction maps it: its bytes as a latin1 string. */
export function keyOf(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}

/**
 * A data batch's records, decompressed first if need be: what compaction reads keys from.
 * Undefined for a control batch, or one whose records cannot be read (compressed records are not
 * validated on the way in, only the batch is).
 */
export function decodeDataBatch(bytes: Uint8Array, codec: Pick<Codec, "decodeRecordBatch" | "crc32c">): DecodedRecordBatch | undefined {
  const { attributes } = readBatchHeader(bytes);
  if ((attributes & CONTROL_BATCH) !== 0) return undefined;
  if ((attributes & COMPRESSION_MASK) === 0) return codec.decodeRecordBatch(bytes);
  const decompressed = decompressBatch(bytes, MAX_DECOMPRESSED_BATCH_BYTES, (b) => codec.crc32c(b));
  if (!decompressed) return undefined;
  try {
    return codec.decodeRecordBatch(decompressed);
  } catch {
    return undefined;
  }
}

/**
 * The batch with its records decompressed (compression bits cleared, length and CRC fixed); undefined
 * when they cannot be: an unknown codec, damaged data, or more than `maxBytes` once decompressed.
 */
export function decompressBatch(batch: Uint8Array, maxBytes: number, crc32c: Crc32c): Uint8Array | undefined {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const attributes = view.getInt16(BatchField.Attributes);
  let records: Uint8Array;
  try {
    records = decompress(attributes & COMPRESSION_MASK, batch.subarray(BATCH_HEADER_SIZE), maxBytes);
  } catch {
    return undefined;
  }
  if (records.length > maxBytes) return undefined;
  return withRecords(batch, attributes & ~COMPRESSION_MASK, records, crc32c);
}

/** An uncompressed batch with its records compressed by `compression`: as it is for none, or for zstd (no compressor here). */
export function compressBatch(batch: Uint8Array, compression: number, crc32c: Crc32c): Uint8Array {
  if (compression === 0 || compression === ZSTD) return batch;
  const attributes = new DataView(batch.buffer, batch.byteOffset, batch.byteLength).getInt16(BatchField.Attributes);
  return withRecords(batch, (attributes & ~COMPRESSION_MASK) | compression, compress(compression, batch.subarray(BATCH_HEADER_SIZE)), crc32c);
}

function withRecords(batch: Uint8Array, attributes: number, records: Uint8Array, crc32c: Crc32c): Uint8Array {
  const out = new Uint8Array(BATCH_HEADER_SIZE + records.length);
  out.set(batch.subarray(0, BATCH_HEADER_SIZE));
  out.set(records, BATCH_HEADER_SIZE);
  const view = new DataView(out.buffer);
  view.setInt32(BatchField.BatchLength, out.length - BATCH_LOG_OVERHEAD);
  view.setInt16(BatchField.Attributes, attributes);
  view.setUint32(BatchField.Crc, crc32c(out.subarray(BatchField.Attributes)));
  return out;
}

function decompress(compression: number, data: Uint8Array, maxBytes: number): Uint8Array {
  switch (compression) {
    case GZIP:
      return gunzipSync(data, { maxOutputLength: maxBytes });
    case SNAPPY:
      return startsWith(data, XERIAL_HEADER.subarray(0, 8)) ? xerialDecompress(data, maxBytes) : snappy.uncompress(data, maxBytes);
    case LZ4:
      if (lz4DecompressBound(data) > maxBytes) throw new RangeError("lz4 data would decompress past the bound");
      return lz4.decompress(data);
    case ZSTD:
      return zstdDecompress(data, maxBytes);
    default:
      throw new RangeError(`unknown compression codec ${compression}`);
  }
}

function compress(compression: number, data: Uint8Array): Uint8Array {
  switch (compression) {
    case GZIP:
      return gzipSync(data);
    case SNAPPY:
      return xerialCompress(data);
    case LZ4:
      return lz4.compress(data);
    default:
      throw new RangeError(`no compressor for codec ${compression}`);
  }
}

/** The frame's block count times its declared block size (lz4js writes 4 MiB blocks), from lz4js (its @types declare void). */
const lz4DecompressBound = lz4.decompressBound as unknown as (src: Uint8Array) => number;

/** Streamed, so data that would inflate past the bound stops there instead of filling memory. */
function zstdDecompress(data: Uint8Array, maxBytes: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new ZstdDecompress((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new RangeError("zstd data decompresses past the bound");
    chunks.push(chunk);
  });
  stream.push(data, true);
  return Buffer.concat(chunks);
}

/** snappy-java's framing: the header, then blocks of a big-endian int32 length and raw snappy. */
function xerialDecompress(data: Uint8Array, maxBytes: number): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const blocks: Uint8Array[] = [];
  let total = 0;
  for (let pos = XERIAL_HEADER.length; pos < data.length; ) {
    const length = view.getInt32(pos);
    const block = snappy.uncompress(data.subarray(pos + 4, pos + 4 + length), maxBytes - total);
    blocks.push(block);
    total += block.length;
    pos += 4 + length;
  }
  return Buffer.concat(blocks);
}

function xerialCompress(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [XERIAL_HEADER];
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_BYTES) {
    const block = snappy.compress(data.subarray(pos, pos + XERIAL_BLOCK_BYTES));
    const length = new Uint8Array(4);
    new DataView(length.buffer).setInt32(0, block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  return data.length >= prefix.length && prefix.every((b, i) => data[i] === b);
}
