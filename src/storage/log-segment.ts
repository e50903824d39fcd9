/**
 * Kafka's LogSegment: one `<20-digit base offset>.log` file of RecordBatches, appended with
 * positional synchronous writes and read back byte for byte, with its OffsetIndex (`.index`)
 * and TimeIndex (`.timeindex`) beside it, and its TransactionIndex (`.txnindex`, the aborted
 * transactions whose markers it holds, only ever appended). A segment is opened either trusted (its size from the
 * file system, its largest timestamp from the time index: nothing of the log file is read) or
 * recovered (its batch headers walked from the last index entry below the recovery point, or from
 * the start, the indexes rebuilt, a torn tail cut off). Its files are opened through a bounded
 * FileHandleCache when used, and a failed read or write comes out as a KafkaStorageException
 * naming the file.
 */
// The default export (not named imports) so tests can observe the segment's file reads.
import fs from "node:fs";
import { join } from "node:path";
import {
  BATCH_HEADER_SIZE,
  type BatchHeader,
  BatchField,
  MAGIC,
  batchSizeAt,
  readBatchHeader,
} from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import type { Logger } from "../logger.ts";
import { segmentFiles } from "./file-handles.ts";
import { onFile } from "./storage-error.ts";
import { INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, TXN_INDEX_FILE_SUFFIX, offsetFileName } from "./log-file-utils.ts";
import { OffsetIndex, type OffsetPosition } from "./offset-index.ts";
import { TimeIndex } from "./time-index.ts";
import { TransactionIndex } from "./transaction-index.ts";
import { batchSpans, lastOffsetOf, recordAtOrAfter, wholeBatchesLength } from "./record-batches.ts";
import type { ReadBuffers } from "./engine.ts";

export interface LogSegmentConfig {
  /** Kafka's log.index.interval.bytes: an index entry is added once more than this many bytes follow the last one. */
  indexIntervalBytes: number;
  /** Kafka's log.index.size.max.bytes: the active segment's indexes are preallocated to it, and the segment rolls when one is full. */
  maxIndexSize: number;
  /** crc32c checks the last batch when the segment is recovered; decodeRecordBatch resolves timestamps to records. */
  codec: Pick<Codec, "crc32c" | "decodeRecordBatch">;
  /** Told when recovery cuts damaged bytes off the end of a segment. */
  log?: Pick<Logger, "warn">;
}

export interface SegmentOpenOptions {
  /** Appended to each file name: the LogCleaner writes `.cleaned` segments, and a swap in progress leaves `.swap` ones. */
  fileSuffix?: string;
  /** Walk the batches and rebuild the indexes (after a crash); otherwise the files are trusted unless an index is missing or fails its sanity check. */
  recover: boolean;
  /** The next offset when the caller knows it (a cleanly closed log's recovery point), so the tail need not be read. */
  nextOffset?: bigint;
  /**
   * When recovering the segment that holds the log's recovery point: everything before it was
   * fsynced with its index entries, so the walk starts at the last index entry below it.
   */
  recoveryPoint?: bigint;
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

/** How much of the file one read brings in while walking batch headers on recovery. */
const SCAN_CHUNK_BYTES = 64 * 1024;
/** Kafka's RecordBatch.NO_TIMESTAMP. */
const NO_TIMESTAMP = -1n;
/** Index entries hold offsets relative to the base offset as int32. */
const MAX_RELATIVE_OFFSET = 2n ** 31n - 1n;

export class LogSegment {
  private _size = 0;
  /** Undefined until known: a trusted segment learns it from its tail only when asked. */
  private _nextOffset: bigint | undefined;
  private _maxTimestamp = NO_TIMESTAMP;
  /** The last offset of the batch where the largest timestamp was reached (Kafka's shallowOffsetOfMaxTimestamp). */
  private offsetOfMaxTimestamp: bigint;
  private bytesSinceLastIndexEntry = 0;
  /** When the segment got its first batch, by the broker's clock: what segment.ms measures its age from. */
  private firstAppendMs: number | undefined;

  private constructor(
    private _file: string,
    readonly baseOffset: bigint,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    readonly txnIndex: TransactionIndex,
    private readonly config: LogSegmentConfig,
  ) {
    this.offsetOfMaxTimestamp = baseOffset;
  }

  /** Valid until the next file is asked of the cache: use it at once, never across an await. */
  private get fd(): number {
    return segmentFiles.fd(this._file);
  }

  private readonly readAt = (bytes: Uint8Array, position: number): number => readFully(this.fd, bytes, position);

  static fileName(baseOffset: bigint): string {
    return offsetFileName(baseOffset, LOG_FILE_SUFFIX);
  }

  /**
   * Opens (creating it if needed) the segment starting at `baseOffset` in `dir`. Recovery walks
   * the batch headers, rebuilds both indexes, and cuts off a torn tail: an incomplete last
   * batch, a batch_length too small or too large for the file, a magic other than 2, offsets
   * that go backwards, or a last batch whose CRC does not match. A trusted open is recovered
   * too when an index is missing or fails Kafka's sanity check.
   */
  static open(dir: string, baseOffset: bigint, config: LogSegmentConfig, options: SegmentOpenOptions = { recover: true }): LogSegment {
    const suffix = options.fileSuffix ?? "";
    const file = join(dir, LogSegment.fileName(baseOffset) + suffix);
    const indexFile = join(dir, offsetFileName(baseOffset, INDEX_FILE_SUFFIX) + suffix);
    const timeIndexFile = join(dir, offsetFileName(baseOffset, TIME_INDEX_FILE_SUFFIX) + suffix);
    const indexesExisted = fs.existsSync(indexFile) && fs.existsSync(timeIndexFile);
    return onFile(file, () => {
      const fd = segmentFiles.fd(file, true);
      const opened: { close(): void }[] = [{ close: () => segmentFiles.close(file) }];
      try {
        const offsetIndex = OffsetIndex.open(indexFile, baseOffset);
        opened.push(offsetIndex.index);
        const timeIndex = TimeIndex.open(timeIndexFile, baseOffset);
        opened.push(timeIndex.index);
        const txnIndex = new TransactionIndex(join(dir, offsetFileName(baseOffset, TXN_INDEX_FILE_SUFFIX) + suffix));
        opened.push(txnIndex);
        const segment = new LogSegment(file, baseOffset, offsetIndex, timeIndex, txnIndex, config);
        segment._size = fs.fstatSync(fd).size;
        const trusted = !options.recover && (segment._size === 0 || (indexesExisted && offsetIndex.isSane(segment._size) && timeIndex.isSane()));
        if (trusted) segment.loadFromIndexes(options.nextOffset);
        else segment.recover(indexesExisted ? options.recoveryPoint : undefined);
        return segment;
      } catch (err) {
        for (const file of opened.reverse()) file.close();
        throw err;
      }
    });
  }

  /** The log file's path. */
  get file(): string {
    return this._file;
  }

  /**
   * Kafka's changeFileSuffixes: renames the three files from `oldSuffix` to `newSuffix`, the
   * indexes first, so a `.log` file with the new suffix means its indexes were renamed before it.
   */
  changeFileSuffixes(oldSuffix: string, newSuffix: string): void {
    const rename = (path: string) => path.slice(path.lastIndexOf("/") + 1, path.length - oldSuffix.length) + newSuffix;
    this.offsetIndex.index.renameTo(rename(this.offsetIndex.index.file));
    this.timeIndex.index.renameTo(rename(this.timeIndex.index.file));
    this.txnIndex.renameTo(join(this._file, "..", rename(this.txnIndex.file)));
    const renamed = join(this._file, "..", rename(this._file));
    segmentFiles.rename(this._file, renamed);
    this._file = renamed;
  }

  /** Closes the segment and removes its files. */
  deleteFiles(): void {
    this.offsetIndex.index.close();
    this.timeIndex.index.close();
    this.txnIndex.close();
    segmentFiles.close(this._file);
    for (const path of [this.offsetIndex.index.file, this.timeIndex.index.file, this.txnIndex.file, this._file]) fs.rmSync(path, { force: true });
  }

  /** Bytes of valid batches in the file. */
  get size(): number {
    return this._size;
  }

  /** One past the last offset in the segment; the base offset when it is empty. */
  get nextOffset(): bigint {
    this._nextOffset ??= this.readNextOffset();
    return this._nextOffset;
  }

  /** The largest batch max_timestamp in the segment, -1 when it is empty. */
  get maxTimestamp(): bigint {
    return this._maxTimestamp;
  }

  /** Whether `batches` (offsets assigned, ending at `lastOffset`) must go to a new segment: an index is full or the offsets no longer fit an entry. */
  needsRoll(lastOffset: bigint): boolean {
    const { maxIndexSize } = this.config;
    return this.offsetIndex.index.isFull(maxIndexSize) || this.timeIndex.index.isFull(maxIndexSize) || lastOffset - this.baseOffset > MAX_RELATIVE_OFFSET;
  }

  /**
   * Writes whole batches (offsets already assigned) at the end of the file in one synchronous
   * write, so they are in the file before the caller acknowledges them, then indexes them. A
   * write that fails part way (a full disk) is cut off again, so the file ends at a whole batch.
   */
  append(batches: Uint8Array, nowMs = Date.now()): void {
    if (this._size === 0) this.firstAppendMs = nowMs;
    const spans = [...batchSpans(batches)];
    const end = spans.length === 0 ? 0 : spans[spans.length - 1].position + spans[spans.length - 1].size;
    if (end === 0 || end !== batches.length) throw new RangeError("append needs whole record batches");
    const start = this._size;
    onFile(this.file, () => {
      const fd = this.fd;
      try {
        writeFully(fd, batches, start);
      } catch (err) {
        truncateQuietly(fd, start);
        throw err;
      }
    });
    for (const { position, size } of spans) this.observe(readBatchHeader(batches, position), start + position, size);
    onFile(this.file, () => this.writeIndexes());
  }

  /**
   * The on-disk bytes of whole batches starting with the one that holds `startOffset`, at most
   * `maxBytes` of them (with `minOneBatch` the first batch is returned even when it is larger);
   * undefined when no batch of this segment ends at or after `startOffset`.
   */
  read(startOffset: bigint, maxBytes: number, minOneBatch: boolean, buffers?: ReadBuffers): Uint8Array | undefined {
    if (this._nextOffset !== undefined && startOffset >= this._nextOffset) return undefined;
    return onFile(this.file, () => {
      const first = this.batchContaining(startOffset);
      if (!first) return undefined;
      const limit = Math.min(this._size - first.position, Math.max(maxBytes, minOneBatch ? first.size : 0));
      if (limit < first.size) return new Uint8Array(0);
      const bytes = buffers ? buffers.allocate(limit) : new Uint8Array(limit);
      this.readAt(bytes, first.position);
      return bytes.subarray(0, wholeBatchesLength(bytes));
    });
  }

  /** Every batch of the segment from `position` on, read a bounded chunk at a time. */
  batchesFrom(position = 0): Generator<FileBatch> {
    return walkBatches(this.readAt, position, this._size, SCAN_CHUNK_BYTES);
  }

  /** The bytes of one batch found by batchesFrom. */
  readBatch(batch: FileBatch): Uint8Array {
    const bytes = new Uint8Array(batch.size);
    this.readAt(bytes, batch.position);
    return bytes;
  }

  /**
   * Each batch of the segment whose CRC matches, read one at a time; returns the position of the
   * first one that does not, or undefined when every batch checked out.
   */
  *checkedBatches(): Generator<Uint8Array, number | undefined> {
    const walk = this.batchesFrom(0);
    for (;;) {
      const next = onFile(this.file, () => walk.next());
      if (next.done) return undefined;
      const bytes = onFile(this.file, () => this.readBatch(next.value));
      if (!this.crcMatches(next.value, bytes)) return next.value.position;
      yield bytes;
    }
  }

  /** Cuts the log file at `position` and closes the segment; the log opens it again to index what is left. */
  cutAndClose(position: number): void {
    onFile(this.file, () => fs.ftruncateSync(this.fd, position));
    this.close();
  }

  /** The first record whose timestamp is at least `timestamp` (see recordAtOrAfter). */
  findOffsetByTimestamp(timestamp: bigint): TimestampAndOffset | undefined {
    if (this._maxTimestamp < timestamp) return undefined;
    const { position } = this.offsetIndex.lookup(this.timeIndex.lookup(timestamp) ?? this.baseOffset);
    return onFile(this.file, () => {
      for (const batch of this.batchesFrom(position)) {
        if (batch.header.maxTimestamp >= timestamp) return recordAtOrAfter(this.config.codec, batch.header, () => this.readBatch(batch), timestamp);
      }
      return undefined;
    });
  }

  /**
   * How long the segment has been collecting records, for segment.ms: since its first append by
   * the broker's clock (for a segment opened from disk, since its file was created). Kafka measures
   * from the first batch's timestamp to the incoming one's, which rolls at every append when
   * producers' clocks (or replayed fixtures) disagree; the broker's clock cannot.
   */
  timeWaitedForRoll(nowMs: number): number {
    if (this._size === 0) return 0;
    this.firstAppendMs ??= fileBirthMs(fs.fstatSync(this.fd));
    return nowMs - this.firstAppendMs;
  }

  /** The newest timestamp in the segment (retention.ms counts from it), the file's mtime when there is none. */
  largestTimestamp(): number {
    return this._maxTimestamp >= 0n ? Number(this._maxTimestamp) : fs.fstatSync(this.fd).mtimeMs;
  }



  /** Preallocates the indexes so appends never grow their files (Kafka's resizeIndexes on the active segment). */
  makeActive(): void {
    this.offsetIndex.index.resize(this.config.maxIndexSize);
    this.timeIndex.index.resize(this.config.maxIndexSize);
  }

  /**
   * What Kafka does when a segment stops being the active one (rolled, or the log closed): a
   * last time-index entry for the largest timestamp, and both indexes trimmed to their entries.
   */
  seal(): void {
    this.timeIndex.maybeAppend(this._maxTimestamp, this.offsetOfMaxTimestamp);
    this.offsetIndex.index.resize();
    this.timeIndex.index.resize();
  }

  /** fsyncs the log file and its indexes. */
  flush(): void {
    onFile(this.file, () => {
      fs.fsyncSync(this.fd);
      this.offsetIndex.index.flush();
      this.timeIndex.index.flush();
      this.txnIndex.flush();
    });
  }

  close(): void {
    try {
      onFile(this.file, () => this.seal());
    } finally {
      this.offsetIndex.index.close();
      this.timeIndex.index.close();
      this.txnIndex.close();
      segmentFiles.close(this._file);
    }
  }

  /** A trusted open: the largest timestamp is the time index's last entry; the log file is not read. */
  private loadFromIndexes(nextOffset: bigint | undefined): void {
    const lastTime = this.timeIndex.lastEntry();
    if (lastTime) {
      this._maxTimestamp = lastTime.timestamp;
      this.offsetOfMaxTimestamp = lastTime.offset;
    }
    this.bytesSinceLastIndexEntry = this._size - (this.offsetIndex.lastEntry()?.position ?? 0);
    this._nextOffset = this._size === 0 ? this.baseOffset : nextOffset;
  }

  /** Kafka's readNextOffset: the last batch after the last index entry, a walk over at most log.index.interval.bytes. */
  private readNextOffset(): bigint {
    let next = this.baseOffset;
    for (const batch of this.batchesFrom(this.offsetIndex.lastEntry()?.position ?? 0)) next = lastOffsetOf(batch.header) + 1n;
    return next;
  }

  private recover(recoveryPoint: bigint | undefined): void {
    const fileSize = this._size;
    const start = this.keepIndexesBelow(recoveryPoint ?? this.baseOffset, fileSize);
    this._size = start;
    this._nextOffset = this.baseOffset;
    // Indexing lags one batch behind so that the last batch can still be dropped if its CRC fails.
    let last: FileBatch | undefined;
    for (const batch of walkBatches(this.readAt, start, fileSize, SCAN_CHUNK_BYTES)) {
      const expected = last ? lastOffsetOf(last.header) + 1n : this.baseOffset;
      if (batch.header.baseOffset < expected || lastOffsetOf(batch.header) - this.baseOffset > MAX_RELATIVE_OFFSET) break;
      if (last) this.observe(last.header, last.position, last.size);
      last = batch;
    }
    if (last && this.crcMatches(last)) this.observe(last.header, last.position, last.size);
    if (this._size < fileSize) {
      this.config.log?.warn(`${this.file}: damaged or torn data at byte ${this._size}; truncated, ${fileSize - this._size} bytes cut`);
      fs.ftruncateSync(this.fd, this._size);
    }
    this.seal();
  }

  /**
   * Keeps the index entries that describe flushed batches (those of the valid prefix whose offset
   * is below `recoveryPoint`; none for the segment's base offset) and the segment's state as of
   * the last one; returns the position of the batch that entry names, where the walk resumes (0
   * when there is none).
   */
  private keepIndexesBelow(recoveryPoint: bigint, fileSize: number): number {
    const index = this.offsetIndex;
    let kept = 0;
    if (!index.index.misaligned && recoveryPoint > this.baseOffset) {
      for (let previous: OffsetPosition | undefined; kept < index.entries; kept++) {
        const entry = index.entry(kept);
        const follows = previous ? entry.offset > previous.offset && entry.position > previous.position : entry.offset >= this.baseOffset && entry.position > 0;
        if (!follows || entry.offset >= recoveryPoint || entry.position >= fileSize) break;
        previous = entry;
      }
    }
    index.index.truncateTo(kept);
    const resumeAt = kept === 0 ? undefined : index.entry(kept - 1);
    // Time entries are added with offset entries, naming offsets up to that entry's batch.
    let keptTimes = 0;
    if (resumeAt && !this.timeIndex.index.misaligned) {
      for (let previous = NO_TIMESTAMP; keptTimes < this.timeIndex.entries; keptTimes++) {
        const entry = this.timeIndex.entry(keptTimes);
        if (entry.timestamp <= previous || entry.offset < this.baseOffset || entry.offset > resumeAt.offset) break;
        previous = entry.timestamp;
      }
    }
    this.timeIndex.index.truncateTo(keptTimes);
    const lastTime = this.timeIndex.lastEntry();
    this._maxTimestamp = lastTime?.timestamp ?? NO_TIMESTAMP;
    this.offsetOfMaxTimestamp = lastTime?.offset ?? this.baseOffset;
    // The batch at the entry is walked again as the one just indexed.
    this.bytesSinceLastIndexEntry = 0;
    return resumeAt?.position ?? 0;
  }

  /** Kafka's per-batch bookkeeping on append and recovery. */
  private observe(header: BatchHeader, position: number, size: number): void {
    const lastOffset = lastOffsetOf(header);
    if (header.maxTimestamp > this._maxTimestamp) {
      this._maxTimestamp = header.maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this._maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    this._nextOffset = lastOffset + 1n;
    this._size = position + size;
  }

  private writeIndexes(): void {
    this.offsetIndex.index.writePending();
    this.timeIndex.index.writePending();
  }

  /** The first batch whose last offset is at least `offset`, found from the nearest index entry. */
  private batchContaining(offset: bigint): FileBatch | undefined {
    const { position } = this.offsetIndex.lookup(offset);
    const chunk = this.config.indexIntervalBytes + BATCH_HEADER_SIZE;
    for (const batch of walkBatches(this.readAt, position, this._size, chunk)) {
      if (lastOffsetOf(batch.header) >= offset) return batch;
    }
    return undefined;
  }

  private crcMatches(batch: FileBatch, bytes = this.readBatch(batch)): boolean {
    // The CRC-32C covers the batch from its attributes to its end.
    return this.config.codec.crc32c(bytes.subarray(BatchField.Attributes)) === batch.header.crc;
  }
}

function fileBirthMs(stat: fs.Stats): number {
  return stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.mtimeMs;
}

/**
 * Batches in the file from `start` (a batch boundary) to `end`, reading `chunkBytes` at a
 * time; stops before anything that cannot be a whole magic-2 batch.
 */
function* walkBatches(
  readAt: (bytes: Uint8Array, position: number) => number,
  start: number,
  end: number,
  chunkBytes: number,
): Generator<FileBatch> {
  const chunk = new Uint8Array(Math.max(chunkBytes, BATCH_HEADER_SIZE));
  let chunkStart = 0;
  let chunkLength = 0;
  for (let position = start; position + BATCH_HEADER_SIZE <= end; ) {
    if (position + BATCH_HEADER_SIZE > chunkStart + chunkLength) {
      chunkLength = readAt(chunk.subarray(0, Math.min(chunk.length, end - position)), position);
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

/** Best effort: when even the truncate fails, recovery cuts what lies past the last whole batch. */
function truncateQuietly(fd: number, size: number): void {
  try {
    fs.ftruncateSync(fd, size);
  } catch {
    // Left to recovery on the next open.
  }
}

function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new Error(`no progress writing ${fd} at ${position + done}`);
    done += n;
  }
}
