/** What both codecs build the same way on the JS side: header keys, decoded batches, verdict codes. */
import { COMPRESSION_MASK, readBatchHeader } from "./batch-header.ts";
import { type BatchErrorCode, type DecodedRecordBatch, type Record, RecordBatchError } from "./types.ts";

/** Status numbers of the WASM exports (assembly/record-batch.ts), by value. */
export const BATCH_ERRORS: readonly (BatchErrorCode | null)[] = [
  null, "TRUNCATED", "BAD_LENGTH", "BAD_MAGIC", "BAD_CRC", "BAD_RECORD", "EMPTY",
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 byte length of a header key without encoding it (lone surrogates become U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c < 0xe000;
}

/** Writes `s` as UTF-8 at `pos`, where utf8Length(s) bytes are free; returns the end. */
export function writeUtf8(out: Uint8Array, pos: number, s: string): number {
  return pos + encoder.encodeInto(s, out.subarray(pos)).written;
}

export function readUtf8(bytes: Uint8Array, start: number, end: number): string {
  return decoder.decode(bytes.subarray(start, end));
}

/** The header of the batch at the start of `bytes` with its decoded records. */
export function decodedBatch(bytes: Uint8Array, records: Record[]): DecodedRecordBatch {
  const h = readBatchHeader(bytes);
  return {
    baseOffset: h.baseOffset,
    batchLength: h.batchLength,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    magic: h.magic,
    crc: h.crc,
    attributes: h.attributes,
    lastOffsetDelta: h.lastOffsetDelta,
    firstTimestamp: h.firstTimestamp,
    maxTimestamp: h.maxTimestamp,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    records,
  };
}

/** Decoding stops at compressed records (the batch itself passed validation). */
export function rejectCompressed(bytes: Uint8Array): void {
  const compression = readBatchHeader(bytes).attributes & COMPRESSION_MASK;
  if (compression !== 0) {
    throw new RecordBatchError("BAD_RECORD", 0, `records are compressed (codec ${compression}); they are not decoded`);
  }
}

/** decodeVarints writes `count` values into `out`, which must hold them. */
export function checkVarintRoom(count: number, out: Int32Array): void {
  if (count > out.length) throw new RangeError(`${count} varints do not fit in ${out.length} values`);
}
