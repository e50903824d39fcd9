/**
 * Kafka's LogSegment: one `<20-digit base offset>.log` file of RecordBatches, appended with
 * positional synchronous writes and read back byte for byte. Its OffsetIndex and TimeIndex live
 * in memory and are rebuilt from the batch headers when the segment is opened.
 */
// The default export (not named imports) so tests can observe the segment's file reads.
import fs from "node:fs";
import { join } from "node:path";
import {
  BATCH_HEADER_SIZE,
  type BatchHeader,
  BatchField,
  COMPRESSION_MASK,
  MAGIC,
  batchSizeAt,
  readBatchHeader,
} from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import { OffsetIndex } from "./offset-index.ts";
import { TimeIndex } from "./time-index.ts";
import { batchSpans, lastOffsetOf, wholeBatchesLength } from "./record-batches.ts";

export interface LogSegmentConfig {
  /** Kafka's log.index.interval.bytes: at most this many bytes lie between two index entries. */
  indexIntervalBytes: number;
  /** crc32c checks the last batch when the segment is opened; decodeRecordBatch resolves timestamps to records. */
  codec: Pick<Codec, "crc32c" | "decodeRecordBatch">;
}

export interface TimestampAndOffset {
  timestamp: bigint;
  offset: bigint;
}

/** A batch found in the file, with its decoded header. */
export interface FileBatch {
  position: number;
  size: number;
  header: BatchHeader;
}

const EMPTY = new Uint8Array(0);
/** How much of the file one read brings in while walking batch headers on open. */
const SCAN_CHUNK_BYTES = 64 * 1024;
const TIMESTAMP_TYPE_LOG_APPEND_TIME = 0x08;
const SEGMENT_FILE = /^(\d{20})\.log$/;

export class LogSegment {
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex = new TimeIndex();
  private _size = 0;
  private _nextOffset: bigint;
  private _maxTimestamp = -1n;
  private bytesSinceLastIndexEntry = 0;

  private constructor(
    readonly file: string,
    private readonly fd: number,
    readonly baseOffset: bigint,
    private readonly config: LogSegmentConfig,
  ) {
    this.offsetIndex = new OffsetIndex(baseOffset);
    this._nextOffset = baseOffset;
  }

  static fileName(baseOffset: bigint): string {
    return `${baseOffset.toString().padStart(20, "0")}.log`;
  }

  /** The base offset a segment file name stands for, or undefined for any other file. */
  static baseOffsetOf(fileName: string): bigint | undefined {
    const match = SEGMENT_FILE.exec(fileName);
    return match ? BigInt(match[1]) : undefined;
  }

  /**
   * Opens (creating it if needed) the segment starting at `baseOffset` in `dir`, rebuilds its
   * indexes from the batch headers, and cuts off a torn tail: an incomplete last batch, a
   * batch_length too small or too large for the file, a magic other than 2, offsets that go
   * backwards, or a last batch whose CRC does not match.
   */
  static open(dir: string, baseOffset: bigint, config: LogSegmentConfig): LogSegment {
    const file = join(dir, LogSegment.fileName(baseOffset));
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    const segment = new LogSegment(file, fd, baseOffset, config);
    try {
      segment.recover();
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return segment;
  }

  /** Bytes of valid batches in the file. */
  get size(): number {
    return this._size;
  }

  /** One past the last offset in the segment; the base offset when it is empty. */
  get nextOffset(): bigint {
    return this._nextOffset;
  }

  /** The largest batch max_timestamp in the segment, -1 when it is empty. */
  get maxTimestamp(): bigint {
    return this._maxTimestamp;
  }

  /**
   * Writes whole batches (offsets already assigned) at the end of the file in one synchronous
   * write, so they are in the file before the caller acknowledges them, then indexes them.
   */
  append(batches: Uint8Array): void {
    const spans = [...batchSpans(batches)];
    const end = spans.length === 0 ? 0 : spans[spans.length - 1].position + spans[spans.length - 1].size;
    if (end === 0 || end !== batches.length) throw new RangeError("append needs whole record batches");
    const start = this._size;
    writeFully(this.fd, batches, start);
    for (const { position, size } of spans) this.observe(readBatchHeader(batches, position), start + position, size);
  }

  /**
   * The on-disk bytes of whole batches starting with the one that holds `startOffset`, at most
   * `maxBytes` of them; with `minOneBatch` the first batch is returned even when it is larger.
   */
  read(startOffset: bigint, maxBytes: number, minOneBatch: boolean): Uint8Array {
    if (startOffset >= this._nextOffset) return EMPTY;
    const first = this.batchContaining(startOffset);
    if (!first) return EMPTY;
    const limit = Math.min(this._size - first.position, Math.max(maxBytes, minOneBatch ? first.size : 0));
    if (limit < first.size) return EMPTY;
    const bytes = new Uint8Array(limit);
    readFully(this.fd, bytes, first.position);
    return bytes.subarray(0, wholeBatchesLength(bytes));
  }

  /**
   * The first record whose timestamp is at least `timestamp`. Records are resolved inside
   * uncompressed batches; for a compressed batch (or one stamped with log-append time) the
   * answer is the batch's base offset and max timestamp.
   */
  findOffsetByTimestamp(timestamp: bigint): TimestampAndOffset | undefined {
    if (this._maxTimestamp < timestamp) return undefined;
    const { position } = this.offsetIndex.lookup(this.timeIndex.lookup(timestamp) ?? this.baseOffset);
    for (const batch of walkBatches(this.fd, position, this._size, SCAN_CHUNK_BYTES)) {
      if (batch.header.maxTimestamp >= timestamp) return this.recordAtOrAfter(batch, timestamp);
    }
    return undefined;
  }

  flush(): void {
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private recover(): void {
    const fileSize = fs.fstatSync(this.fd).size;
    // Indexing lags one batch behind so that the last batch can still be dropped if its CRC fails.
    let last: FileBatch | undefined;
    for (const batch of walkBatches(this.fd, 0, fileSize, SCAN_CHUNK_BYTES)) {
      const expected = last ? lastOffsetOf(last.header) + 1n : this.baseOffset;
      if (batch.header.baseOffset < expected) break;
      if (last) this.observe(last.header, last.position, last.size);
      last = batch;
    }
    if (last && this.crcMatches(last)) this.observe(last.header, last.position, last.size);
    if (this._size < fileSize) fs.ftruncateSync(this.fd, this._size);
  }

  private observe(header: BatchHeader, position: number, size: number): void {
    if (this.bytesSinceLastIndexEntry >= this.config.indexIntervalBytes) {
      this.offsetIndex.append(header.baseOffset, position);
      this.timeIndex.maybeAppend(this._maxTimestamp, header.baseOffset);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    if (header.maxTimestamp > this._maxTimestamp) this._maxTimestamp = header.maxTimestamp;
    this._nextOffset = lastOffsetOf(header) + 1n;
    this._size = position + size;
  }

  /** The first batch whose last offset is at least `offset`, found from the nearest index entry. */
  private batchContaining(offset: bigint): FileBatch | undefined {
    const { position } = this.offsetIndex.lookup(offset);
    const chunk = this.config.indexIntervalBytes + BATCH_HEADER_SIZE;
    for (const batch of walkBatches(this.fd, position, this._size, chunk)) {
      if (lastOffsetOf(batch.header) >= offset) return batch;
    }
    return undefined;
  }

  private readBatch(batch: FileBatch): Uint8Array {
    const bytes = new Uint8Array(batch.size);
    readFully(this.fd, bytes, batch.position);
    return bytes;
  }

  private crcMatches(batch: FileBatch): boolean {
    const bytes = this.readBatch(batch);
    // The CRC-32C covers the batch from its attributes to its end.
    return this.config.codec.crc32c(bytes.subarray(BatchField.Attributes)) === batch.header.crc;
  }

  private recordAtOrAfter(batch: FileBatch, timestamp: bigint): TimestampAndOffset {
    const { header } = batch;
    const batchAnswer = { timestamp: header.maxTimestamp, offset: header.baseOffset };
    if ((header.attributes & (COMPRESSION_MASK | TIMESTAMP_TYPE_LOG_APPEND_TIME)) !== 0) return batchAnswer;
    const { firstTimestamp, records } = this.config.codec.decodeRecordBatch(this.readBatch(batch));
    const record = records.find((r) => firstTimestamp + r.timestampDelta >= timestamp);
    if (!record) return batchAnswer;
    return { timestamp: firstTimestamp + record.timestampDelta, offset: header.baseOffset + BigInt(record.offsetDelta) };
  }
}

/**
 * Batches in the file from `start` (a batch boundary) to `end`, reading `chunkBytes` at a
 * time; stops before anything that cannot be a whole magic-2 batch.
 */
function* walkBatches(fd: number, start: number, end: number, chunkBytes: number): Generator<FileBatch> {
  const chunk = new Uint8Array(Math.max(chunkBytes, BATCH_HEADER_SIZE));
  let chunkStart = 0;
  let chunkLength = 0;
  for (let position = start; position + BATCH_HEADER_SIZE <= end; ) {
    if (position + BATCH_HEADER_SIZE > chunkStart + chunkLength) {
      chunkLength = readFully(fd, chunk.subarray(0, Math.min(chunk.length, end - position)), position);
      chunkStart = position;
      if (chunkLength < BATCH_HEADER_SIZE) return;
    }
    const at = position - chunkStart;
    const size = batchSizeAt(chunk, at);
    if (size < BATCH_HEADER_SIZE || size > end - position) return;
    const header = readBatchHeader(chunk, at);
    if (header.magic !== MAGIC) return;
    yield { position, size, header };
    position += size;
  }
}

/** Reads until `bytes` is full or the file ends; returns the bytes read. */
function readFully(fd: number, bytes: Uint8Array, position: number): number {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new Error(`no progress writing ${fd} at ${position + done}`);
    done += n;
  }
}
