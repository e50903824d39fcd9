/**
 * Compaction for an engine that keeps a log as rows of whole batches (the postgres engine): there
 * is no segment to rewrite, so a batch goes as a whole once every record in it is superseded by a
 * later record of its key, or is a tombstone (the latest record of its key) older than
 * delete.retention.ms. Kafka's LogCleaner drops records one by one; whole batches are what a row
 * can lose in place, and the batches of the internal topics (one group's offset commit, one
 * transactional id's state) are superseded whole. As in the LogCleaner: control and transactional
 * batches stay (a transaction's records may yet be aborted), so does each producer's last batch
 * (its sequence), and a batch younger than min.compaction.lag.ms; a batch that cannot be read
 * (damaged, or compressed past the bound) stays, and then no tombstone goes either, since the value
 * it deletes could be inside.
 */
import { readBatchHeader } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import type { LogConfig } from "./log-config.ts";
import { decodeDataBatch, keyOf } from "./record-compression.ts";
import { isControlBatch, isTransactionalBatch } from "./end-transaction-marker.ts";

interface ReadBatch {
  baseOffset: bigint;
  producerId: bigint;
  maxTimestamp: bigint;
  /** Its records; undefined when it is not compacted (a control or transactional batch, or one that cannot be read). */
  records: { offset: bigint; key: string | null; tombstone: boolean }[] | undefined;
  unreadable: boolean;
}

/**
 * The base offsets of the batches of a log (`batches()` reads it whole, oldest first; it is read
 * twice, one batch at a time, so only the keys are held) that compaction removes.
 */
export async function supersededBatches(
  batches: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  config: Pick<LogConfig, "deleteRetentionMs" | "minCompactionLagMs">,
  nowMs: number,
  codec: Pick<Codec, "decodeRecordBatch" | "crc32c">,
): Promise<bigint[]> {
  const latest = new Map<string, bigint>();
  const lastOfProducer = new Map<bigint, bigint>();
  let unreadable = false;
  for await (const bytes of batches()) {
    const batch = readBatch(bytes, codec);
    if (batch.producerId >= 0n) lastOfProducer.set(batch.producerId, batch.baseOffset);
    unreadable ||= batch.unreadable;
    for (const r of batch.records ?? []) if (r.key !== null) latest.set(r.key, r.offset);
  }
  const youngest = BigInt(nowMs - config.minCompactionLagMs);
  const tombstonesBefore = BigInt(nowMs - config.deleteRetentionMs);
  const superseded: bigint[] = [];
  for await (const bytes of batches()) {
    const batch = readBatch(bytes, codec);
    if (!batch.records || batch.records.length === 0 || batch.maxTimestamp > youngest) continue;
    if (batch.producerId >= 0n && lastOfProducer.get(batch.producerId) === batch.baseOffset) continue;
    const gone = batch.records.every((r) => {
      if (r.key === null) return false;
      // A record appended between the two reads has no entry: it stays.
      const last = latest.get(r.key);
      if (last !== undefined && last > r.offset) return true;
      return r.tombstone && last === r.offset && !unreadable && batch.maxTimestamp < tombstonesBefore;
    });
    if (gone) superseded.push(batch.baseOffset);
  }
  return superseded;
}

function readBatch(bytes: Uint8Array, codec: Pick<Codec, "decodeRecordBatch" | "crc32c">): ReadBatch {
  const header = readBatchHeader(bytes);
  const { baseOffset, producerId, maxTimestamp } = header;
  const batch = { baseOffset, producerId, maxTimestamp, records: undefined, unreadable: false };
  if (isControlBatch(header) || isTransactionalBatch(header)) return batch;
  const decoded = decodeDataBatch(bytes, codec);
  if (!decoded) return { ...batch, unreadable: true };
  const records = decoded.records.map((r) => ({
    offset: baseOffset + BigInt(r.offsetDelta),
    key: r.key && keyOf(r.key),
    tombstone: r.value === null,
  }));
  return { ...batch, records };
}
