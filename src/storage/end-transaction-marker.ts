/**
 * Kafka's EndTransactionMarker: the one record of a control batch that ends a producer's
 * transaction in a partition. Its key is int16 version (0) + int16 type (0 ABORT, 1 COMMIT), its
 * value int16 version (0) + int32 coordinator epoch; the batch carries the producer's id and
 * epoch with the control (0x20) and transactional (0x10) attribute bits.
 */
import { CONTROL_BATCH, TRANSACTIONAL_BATCH, type BatchHeader } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";

const CONTROL_RECORD_KEY_VERSION = 0;
const END_TXN_MARKER_VALUE_VERSION = 0;

export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const;

export interface EndTransactionMarker {
  producerId: bigint;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

export function isControlBatch(header: Pick<BatchHeader, "attributes">): boolean {
  return (header.attributes & CONTROL_BATCH) !== 0;
}

export function isTransactionalBatch(header: Pick<BatchHeader, "attributes">): boolean {
  return (header.attributes & TRANSACTIONAL_BATCH) !== 0;
}

/** The control batch for `marker`, stamped now; its base offset is assigned on append. */
export function endTransactionMarkerBatch(codec: Pick<Codec, "encodeRecordBatch">, marker: EndTransactionMarker): Uint8Array {
  const key = new Writer(4)
    .int16(CONTROL_RECORD_KEY_VERSION)
    .int16(marker.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT)
    .finish();
  const value = new Writer(6).int16(END_TXN_MARKER_VALUE_VERSION).int32(marker.coordinatorEpoch).finish();
  const now = BigInt(Date.now());
  return codec.encodeRecordBatch({
    baseOffset: 0n,
    partitionLeaderEpoch: 0,
    attributes: CONTROL_BATCH | TRANSACTIONAL_BATCH,
    lastOffsetDelta: 0,
    firstTimestamp: now,
    maxTimestamp: now,
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    baseSequence: -1,
    records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key, value, headers: [] }],
  });
}

/** The marker a control batch holds; undefined for other control records (or a malformed one). */
export function readEndTransactionMarker(codec: Pick<Codec, "decodeRecordBatch">, batch: Uint8Array): EndTransactionMarker | undefined {
  const decoded = codec.decodeRecordBatch(batch);
  const record = decoded.records[0];
  if (!record?.key || !record.value) return undefined;
  const key = new Reader(record.key);
  const keyVersion = key.int16();
  const type = key.int16();
  const value = new Reader(record.value);
  value.int16();
  const coordinatorEpoch = value.int32();
  if (key.failed || value.failed || keyVersion !== CONTROL_RECORD_KEY_VERSION) return undefined;
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) return undefined;
  return { producerId: decoded.producerId, producerEpoch: decoded.producerEpoch, commit: type === ControlRecordType.COMMIT, coordinatorEpoch };
}
