/**
 * One partition log in PostgreSQL. An append is one statement: it bumps the partition row's
 * next_offset (the row lock orders appenders, whichever broker they run on), inserts the batches
 * with their base_offset rewritten by `overlay`, and notifies the other brokers; it is
 * acknowledged after that statement commits. Appends that arrive while one is in flight go
 * together in the next statement, so a busy partition costs one round trip per group, not per batch.
 * The group's bytes go as one bytea parameter, which node-postgres sends in binary, cut into rows
 * by position and length in SQL: a bytea[] would go as a hex text array literal, twice the bytes,
 * and PostgreSQL parses it several times slower than it copies a binary parameter.
 */
import type { Database } from "./database.ts";
import { UnknownTopicOrPartitionException } from "../storage-error.ts";
import { BATCH_HEADER_SIZE, BatchField, CONTROL_BATCH, readBatchHeader, setBaseOffset } from "../../codec/batch-header.ts";
import type { Codec } from "../../codec/types.ts";
import type { AppendRefusal, FetchDataInfo, LogAppendInfo, PartitionLog, TimestampAndOffset } from "../engine.ts";
import { type AbortedTxn, AbortedTxnList } from "../transaction-index.ts";
import { DEFAULT_LOG_CONFIG, type LogConfig, hasCompactPolicy } from "../log-config.ts";
import { analyzeAndValidate, maybeStampLogAppendTime } from "../log-validator.ts";
import { OFFSET_OUT_OF_RANGE } from "../engine.ts";
import { assignOffsets, batchSpans, lastOffsetOf, recordAtOrAfter } from "../record-batches.ts";
import { retentionLimits } from "../log-retention.ts";
import { supersededBatches } from "../batch-compaction.ts";
import { EARLIEST_LOCAL_TIMESTAMP, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP } from "../unified-log.ts";

export const APPEND_CHANNEL = "kafka_append";
/** Where a log start offset moved by DeleteRecords or retention is told to every broker. */
export const LOG_START_CHANNEL = "kafka_log_start";
const REPLAY_CHUNK_BYTES = 1024 * 1024;
/** Rows one read looks at: a budget's worth of tiny batches is served over several fetches. */
const READ_ROW_LIMIT = 2000;

interface PendingAppend {
  batches: Uint8Array;
  spans: { position: number; lastOffsetDelta: number; maxTimestamp: bigint }[];
  count: bigint;
  logAppendTime: bigint;
  /** appendIfEndIs: the log end the append expects, sent alone in its statement. */
  expectedEnd?: bigint;
  resolve(info: LogAppendInfo | undefined): void;
  reject(err: unknown): void;
}

const APPEND_SQL = `
  WITH p AS (
    UPDATE kafka_partitions SET next_offset = next_offset + $3::bigint, size_bytes = size_bytes + $8::bigint
    WHERE topic = $1::text AND partition = $2::int AND ($9::bigint IS NULL OR next_offset = $9::bigint)
    RETURNING next_offset - $3::bigint AS base, next_offset, size_bytes),
  ins AS (
    INSERT INTO kafka_batches (topic, partition, base_offset, last_offset, max_timestamp, bytes)
    SELECT $1::text, $2::int, p.base + d.rel, p.base + d.rel + d.last_delta, d.max_ts,
           overlay(substring($7::bytea FROM d.pos FOR d.len) PLACING int8send(p.base + d.rel) FROM 1 FOR 8)
    FROM p, unnest($4::bigint[], $5::bigint[], $6::bigint[], $10::int[], $11::int[]) AS d(rel, last_delta, max_ts, pos, len))
  SELECT base::text, size_bytes::text, pg_notify('${APPEND_CHANNEL}', $1::text || ' ' || $2::text || ' ' || next_offset::text || ' ' || size_bytes::text) FROM p`;

/**
 * Moves the log start offset forward to `cut` and deletes the batches wholly below it, in one
 * statement that any number of brokers may run at once: a batch deleted by another statement
 * first is neither deleted nor counted again, the start only moves forward, and a statement with
 * nothing to do writes nothing. The batch rows are locked before the partition row (an append
 * locks the partition row and only inserts), so two of these never deadlock with each other or
 * with an append. The other brokers hear of the new start on LOG_START_CHANNEL.
 */
function advanceLogStartSql(cut: string): string {
  return `
  WITH cut AS (SELECT ${cut} AS start),
  dropped AS (
    DELETE FROM kafka_batches WHERE topic = $1::text AND partition = $2::int AND last_offset < (SELECT start FROM cut)
    RETURNING length(bytes) AS size),
  moved AS (
    UPDATE kafka_partitions
    SET log_start_offset = greatest(log_start_offset, (SELECT start FROM cut)), size_bytes = size_bytes - (SELECT coalesce(sum(size), 0) FROM dropped)
    WHERE topic = $1::text AND partition = $2::int AND (log_start_offset < (SELECT start FROM cut) OR EXISTS (SELECT FROM dropped))
    RETURNING log_start_offset, next_offset, size_bytes)
  SELECT log_start_offset::text, next_offset::text, size_bytes::text, (SELECT count(*) FROM dropped)::int AS deleted,
         pg_notify('${LOG_START_CHANNEL}', $1::text || ' ' || $2::text || ' ' || log_start_offset::text || ' ' || next_offset::text || ' ' || size_bytes::text)
  FROM moved`;
}

/** DeleteRecords: the start moves to $3. */
const DELETE_RECORDS_SQL = advanceLogStartSql("$3::bigint");

/** Superseded batches deleted per statement. */
const COMPACT_DELETE_ROWS = 10_000;
/** Deletes the batches compaction found superseded ($3, base offsets) and takes their bytes off the partition's size. */
const COMPACT_SQL = `
  WITH gone AS (
    DELETE FROM kafka_batches WHERE topic = $1 AND partition = $2 AND base_offset = ANY($3::bigint[]) RETURNING length(bytes) AS n)
  UPDATE kafka_partitions SET size_bytes = size_bytes - (SELECT coalesce(sum(n), 0) FROM gone)
  WHERE topic = $1 AND partition = $2 RETURNING size_bytes::text`;

/**
 * Retention (log-retention.ts's rules, each batch weighed as Kafka weighs a segment): the start
 * moves to the first batch that is neither past retention.ms (newest timestamp below $3; a batch
 * without timestamps has no age) nor, with $4, beyond retention.bytes; to the log end when every
 * batch goes. Kafka deletes the active segment too once it qualifies (and rolls an empty one), so
 * an idle topic empties and consumers see log start = log end; the last batch goes the same way
 * here: the log end offset lives in the partition row, so appends go on from it and ListOffsets
 * still answers it.
 */
function retentionSql(bySize: boolean): string {
  const kept = "NOT (max_timestamp >= 0 AND max_timestamp < $3::bigint)";
  const firstKept = bySize
    ? `SELECT base_offset FROM (
         SELECT base_offset, last_offset, max_timestamp, sum(length(bytes)) OVER (ORDER BY last_offset) AS upto, sum(length(bytes)) OVER () AS total
         FROM kafka_batches WHERE topic = $1::text AND partition = $2::int) b
       WHERE ${kept} AND upto > total - $4::bigint ORDER BY last_offset LIMIT 1`
    : `SELECT base_offset FROM kafka_batches WHERE topic = $1::text AND partition = $2::int AND ${kept} ORDER BY last_offset LIMIT 1`;
  const logEnd = "SELECT last_offset + 1 FROM kafka_batches WHERE topic = $1::text AND partition = $2::int ORDER BY last_offset DESC LIMIT 1";
  return advanceLogStartSql(`coalesce((${firstKept}), (${logEnd}))`);
}

const RETENTION_BY_TIME_SQL = retentionSql(false);
const RETENTION_BY_TIME_AND_SIZE_SQL = retentionSql(true);

/** The same bytes, no copy: node-postgres sends a Buffer parameter in binary. */
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

export class PostgresLog implements PartitionLog {
  private readonly listeners = new Set<() => void>();
  /** Kept in memory: ProducerStates' scan of the log offers every abort marker again after a restart. */
  private readonly abortedTxns = new AbortedTxnList();
  private pending: PendingAppend[] = [];
  /** The log's size after this broker last compacted it: what the dirty ratio is reckoned from. */
  private compactedSize = 0;
  private inFlight = false;
  /** The statements writing `pending`, while they run. */
  private appending: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly codec: Pick<Codec, "crc32c" | "decodeRecordBatch">,
    readonly topic: string,
    readonly partition: number,
    private startOffset: bigint,
    private endOffset: bigint,
    private sizeBytes: number,
    /** The topic's configs: the size, timestamp, LogAppendTime and retention ones apply (there are no segments to roll). */
    public config: LogConfig = DEFAULT_LOG_CONFIG,
  ) {}

  appendAbortedTransaction(txn: AbortedTxn): void {
    this.abortedTxns.add(txn);
  }

  collectAbortedTransactions(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    return this.abortedTxns.collect(fetchOffset, upperBoundOffset);
  }

  analyzeAndValidate(batches: Uint8Array): AppendRefusal | undefined {
    return analyzeAndValidate(this.config, batches, Date.now());
  }

  /** DeleteRecords: the row's log start offset moves forward and the batches wholly below it go, in one statement. */
  async maybeIncrementLogStartOffset(offset: bigint): Promise<bigint> {
    await this.refresh();
    if (offset > this.endOffset) throw new RangeError(`offset ${offset} is past the high watermark ${this.endOffset}`);
    await this.advanceLogStart(DELETE_RECORDS_SQL, [this.topic, this.partition, offset.toString()]);
    return this.startOffset;
  }

  /** The retention check on this log; resolves with how many batches it deleted (none when another broker's check got there first). */
  async deleteOldBatches(nowMs: number): Promise<number> {
    const { expiredBefore, retentionBytes } = retentionLimits(this.config, nowMs);
    if (expiredBefore === undefined && retentionBytes === undefined) return 0;
    // No batch is stamped before 0: without retention.ms nothing is past it.
    const params = [this.topic, this.partition, BigInt(Math.trunc(expiredBefore ?? 0)).toString()];
    if (retentionBytes === undefined) return this.advanceLogStart(RETENTION_BY_TIME_SQL, params);
    return this.advanceLogStart(RETENTION_BY_TIME_AND_SIZE_SQL, [...params, retentionBytes.toString()]);
  }

  /**
   * Compaction (cleanup.policy=compact; batch-compaction.ts's rules): the batches whose every record
   * is superseded go, in one statement, once the log has grown by min.cleanable.dirty.ratio since
   * this broker's last compaction of it. Idempotent, so every broker sharing the database may run it.
   */
  async compact(nowMs: number): Promise<number> {
    if (!hasCompactPolicy(this.config) || this.sizeBytes === 0) return 0;
    if ((this.sizeBytes - this.compactedSize) / this.sizeBytes < this.config.minCleanableDirtyRatio) return 0;
    const superseded = await supersededBatches(() => this.batches(), this.config, nowMs, this.codec);
    for (let i = 0; i < superseded.length; i += COMPACT_DELETE_ROWS) {
      const offsets = superseded.slice(i, i + COMPACT_DELETE_ROWS).map(String);
      const { rows } = await this.db.query<{ size_bytes: string }>(COMPACT_SQL, [this.topic, this.partition, offsets]);
      if (rows.length > 0) this.sizeBytes = Number(rows[0].size_bytes);
    }
    this.compactedSize = this.sizeBytes;
    return superseded.length;
  }

  private async advanceLogStart(sql: string, params: unknown[]): Promise<number> {
    const { rows } = await this.db.query<{ log_start_offset: string; next_offset: string; size_bytes: string; deleted: number }>(sql, params);
    if (rows.length === 0) return 0;
    const row = rows[0];
    this.advanceStart(BigInt(row.log_start_offset));
    this.advanceEnd(BigInt(row.next_offset), Number(row.size_bytes));
    return row.deleted;
  }

  get logStartOffset(): bigint {
    return this.startOffset;
  }

  get logEndOffset(): bigint {
    return this.endOffset;
  }

  get highWatermark(): bigint {
    return this.endOffset;
  }

  get size(): number {
    return this.sizeBytes;
  }

  appendAsLeader(batches: Uint8Array): Promise<LogAppendInfo> {
    return this.enqueue(batches, undefined) as Promise<LogAppendInfo>;
  }

  /** The check is the statement's: the partition row's next_offset, locked by the update, is the log end. */
  appendIfEndIs(batches: Uint8Array, logEndOffset: bigint): Promise<LogAppendInfo | undefined> {
    return this.enqueue(batches, logEndOffset);
  }

  private enqueue(batches: Uint8Array, expectedEnd: bigint | undefined): Promise<LogAppendInfo | undefined> {
    // Offsets from 0 for now: the statement writes the real ones (and they are set here once it commits).
    const assigned = assignOffsets(batches, 0n);
    const logAppendTime = maybeStampLogAppendTime(this.config, assigned, batches, Date.now(), this.codec.crc32c);
    const spans = assigned.batches.map(({ position, header }) => ({ position, lastOffsetDelta: header.lastOffsetDelta, maxTimestamp: header.maxTimestamp }));
    const count = assigned.lastOffset + 1n;
    return new Promise((resolve, reject) => {
      this.pending.push({ batches, spans, count, logAppendTime, expectedEnd, resolve, reject });
      if (!this.inFlight) this.appending = this.appendPending();
    });
  }


  private async appendPending(): Promise<void> {
    this.inFlight = true;
    while (this.pending.length > 0) {
      // A conditional append goes alone; the others go together up to the next conditional one.
      const conditional = this.pending.findIndex((a) => a.expectedEnd !== undefined);
      const size = conditional === 0 ? 1 : conditional < 0 ? this.pending.length : conditional;
      const group = this.pending.splice(0, size);
      const expectedEnd = group[0].expectedEnd;
      const rel: string[] = [];
      const lastDelta: number[] = [];
      const maxTs: string[] = [];
      /** 1-based, as SQL's substring counts. */
      const position: number[] = [];
      const length: number[] = [];
      let offset = 0n;
      let bytesSize = 0;
      for (const append of group) {
        for (let i = 0; i < append.spans.length; i++) {
          const span = append.spans[i];
          const end = i + 1 < append.spans.length ? append.spans[i + 1].position : append.batches.length;
          rel.push(offset.toString());
          lastDelta.push(span.lastOffsetDelta);
          maxTs.push(span.maxTimestamp.toString());
          position.push(bytesSize + span.position + 1);
          length.push(end - span.position);
          offset += BigInt(span.lastOffsetDelta) + 1n;
        }
        bytesSize += append.batches.length;
      }
      const bytes = group.length === 1 ? asBuffer(group[0].batches) : Buffer.concat(group.map((a) => a.batches));
      try {
        const params = [this.topic, this.partition, offset.toString(), rel, lastDelta, maxTs, bytes, bytesSize, expectedEnd?.toString() ?? null, position, length];
        const { rows } = await this.db.query<{ base: string; size_bytes: string }>(APPEND_SQL, params);
        // Another broker appended first (or the partition is gone): the caller looks again.
        if (rows.length === 0 && expectedEnd !== undefined) {
          group[0].resolve(undefined);
          continue;
        }
        if (rows.length === 0) throw new UnknownTopicOrPartitionException(`partition ${this.topic}-${this.partition} no longer exists`);
        let base = BigInt(rows[0].base);
        // The row's size, not this broker's sum: the NOTIFY of this very append may have been counted already.
        this.advanceEnd(base + offset, Number(rows[0].size_bytes));
        for (const append of group) {
          const info = { baseOffset: base, lastOffset: base + append.count - 1n, logAppendTime: append.logAppendTime };
          let next = base;
          for (const span of append.spans) {
            setBaseOffset(append.batches, span.position, next);
            next += BigInt(span.lastOffsetDelta) + 1n;
          }
          base += append.count;
          append.resolve(info);
        }
      } catch (err) {
        for (const append of group) append.reject(err);
      }
    }
    this.inFlight = false;
  }

  /** Resolves once every append asked for so far is written or refused: what closing the engine waits for. */
  async appendsDone(): Promise<void> {
    await this.appending;
  }

  async read(fetchOffset: bigint, maxBytes: number, minOneBatch: boolean): Promise<FetchDataInfo | typeof OFFSET_OUT_OF_RANGE> {
    if (fetchOffset > this.endOffset || fetchOffset < this.startOffset) await this.refresh();
    if (fetchOffset < this.startOffset || fetchOffset > this.endOffset) return OFFSET_OUT_OF_RANGE;
    const { rows: text } = await this.db.query<{ b64: string }>(
      `SELECT encode(bytes, 'base64') AS b64 FROM (
         SELECT bytes, sum(length(bytes)) OVER (ORDER BY last_offset) AS upto
         FROM kafka_batches WHERE topic = $1 AND partition = $2 AND last_offset >= $3
         ORDER BY last_offset LIMIT ${READ_ROW_LIMIT}) b
       WHERE upto <= $4 OR ($5 AND upto = length(bytes))`,
      [this.topic, this.partition, fetchOffset.toString(), maxBytes, minOneBatch],
    );
    // base64 rather than the driver's hex: a third more bytes instead of twice as many (node-postgres cannot read bytea in binary).
    const rows = text.map((r) => ({ bytes: Buffer.from(r.b64, "base64") }));
    // A missing batch holding fetchOffset was deleted by retention or DeleteRecords (here or on another
    // broker: the start moved) or by compaction (a gap: the next batch is served).
    if ((rows.length === 0 && fetchOffset < this.endOffset) || (rows.length > 0 && readBatchHeader(rows[0].bytes).baseOffset > fetchOffset)) {
      await this.refresh();
      if (fetchOffset < this.startOffset) return OFFSET_OUT_OF_RANGE;
    }
    const records = rows.length === 1 ? rows[0].bytes : Buffer.concat(rows.map((r) => r.bytes));
    return { records: new Uint8Array(records.buffer, records.byteOffset, records.length), highWatermark: this.endOffset, logStartOffset: this.startOffset };
  }

  async *batches(fromOffset = this.startOffset): AsyncGenerator<Uint8Array> {
    let offset = fromOffset;
    for (;;) {
      const read = await this.read(offset, REPLAY_CHUNK_BYTES, true);
      if (read === OFFSET_OUT_OF_RANGE || read.records.length === 0) return;
      for (const span of batchSpans(read.records)) {
        const batch = read.records.subarray(span.position, span.position + span.size);
        offset = lastOffsetOf(readBatchHeader(batch)) + 1n;
        yield batch;
      }
    }
  }

  /**
   * What producer state is rebuilt from, without the records: each data batch's header, each
   * control batch (a transaction marker) whole, a page of rows per query.
   */
  async *batchHeaders(fromOffset = this.startOffset): AsyncGenerator<Uint8Array> {
    let offset = fromOffset;
    for (;;) {
      const { rows } = await this.db.query<{ head: Buffer }>(
        `SELECT CASE WHEN get_byte(bytes, ${BatchField.Attributes + 1}) & ${CONTROL_BATCH} <> 0 THEN bytes ELSE substring(bytes FROM 1 FOR ${BATCH_HEADER_SIZE}) END AS head
         FROM kafka_batches WHERE topic = $1 AND partition = $2 AND last_offset >= $3 ORDER BY last_offset LIMIT ${READ_ROW_LIMIT}`,
        [this.topic, this.partition, offset.toString()],
      );
      for (const { head } of rows) {
        const header = new Uint8Array(head.buffer, head.byteOffset, head.length);
        offset = lastOffsetOf(readBatchHeader(header)) + 1n;
        yield header;
      }
      if (rows.length < READ_ROW_LIMIT) return;
    }
  }

  async offsetForTimestamp(timestamp: bigint): Promise<TimestampAndOffset | undefined> {
    if (timestamp === EARLIEST_TIMESTAMP || timestamp === EARLIEST_LOCAL_TIMESTAMP) return { timestamp: -1n, offset: this.startOffset };
    if (timestamp === LATEST_TIMESTAMP) return { timestamp: -1n, offset: this.endOffset };
    if (timestamp < 0n && timestamp !== MAX_TIMESTAMP) return undefined;
    const newest = timestamp === MAX_TIMESTAMP;
    const { rows } = await this.db.query<{ bytes: Buffer }>(
      newest
        ? "SELECT bytes FROM kafka_batches WHERE topic = $1 AND partition = $2 AND max_timestamp >= 0 ORDER BY max_timestamp DESC, last_offset LIMIT 1"
        : "SELECT bytes FROM kafka_batches WHERE topic = $1 AND partition = $2 AND max_timestamp >= $3 ORDER BY last_offset LIMIT 1",
      newest ? [this.topic, this.partition] : [this.topic, this.partition, timestamp.toString()],
    );
    if (rows.length === 0) return undefined;
    const batch = new Uint8Array(rows[0].bytes.buffer, rows[0].bytes.byteOffset, rows[0].bytes.length);
    const header = readBatchHeader(batch);
    return recordAtOrAfter(this.codec, header, () => batch, newest ? header.maxTimestamp : timestamp);
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** An append commits before it is acknowledged: nothing is left to flush. */
  flush(): void {}

  /** What another broker's append (heard through NOTIFY) or a fresh read of the row says the log end and size are. */
  advanceEnd(endOffset: bigint, size: number): void {
    if (endOffset < this.endOffset) return;
    // The row's size at this log end: after a retention check elsewhere it is less than what this broker counted.
    this.sizeBytes = size;
    if (endOffset === this.endOffset) return;
    this.endOffset = endOffset;
    for (const listener of [...this.listeners]) listener();
  }

  /** What DeleteRecords or retention (here or on another broker) made the log start offset; it never moves back. */
  advanceStart(startOffset: bigint): void {
    if (startOffset > this.startOffset) this.startOffset = startOffset;
  }

  /** Re-reads the offsets from the partition row (what it missed while not listening). */
  async refresh(): Promise<void> {
    const row = await partitionRow(this.db, this.topic, this.partition);
    if (!row) return;
    this.advanceStart(row.logStartOffset);
    this.advanceEnd(row.nextOffset, row.size);
  }
}

export interface PartitionRow {
  logStartOffset: bigint;
  nextOffset: bigint;
  size: number;
}

export async function partitionRow(db: Database, topic: string, partition: number): Promise<PartitionRow | undefined> {
  const { rows } = await db.query<{ log_start_offset: string; next_offset: string; size_bytes: string }>(
    "SELECT log_start_offset::text, next_offset::text, size_bytes::text FROM kafka_partitions WHERE topic = $1 AND partition = $2",
    [topic, partition],
  );
  const row = rows[0];
  return row && { logStartOffset: BigInt(row.log_start_offset), nextOffset: BigInt(row.next_offset), size: Number(row.size_bytes) };
}
