import { describe, expect, it } from "vitest";
import {
  BATCH_LOG_OVERHEAD, BatchField, batchSizeAt, readBatchHeader, RecordBatchError, setBaseOffset, setPartitionLeaderEpoch,
  type Codec, type RecordBatch,
} from "../../src/codec/index.ts";
import { concat, kafkaLogs, kinds, plain, testerBatches, text } from "./support.ts";

/** Splits back-to-back batches by their batch_length fields. */
function splitBatches(log: Uint8Array): Uint8Array[] {
  const batches: Uint8Array[] = [];
  for (let at = 0; at < log.length; ) {
    const size = batchSizeAt(log, at);
    batches.push(log.subarray(at, at + size));
    at += size;
  }
  return batches;
}

function errorOf(codec: Codec, bytes: Uint8Array): string | null {
  try {
    codec.decodeRecordBatch(bytes);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(RecordBatchError);
    return (error as RecordBatchError).code;
  }
}

/** A batch with every kind of field: null/empty/present keys and values, null/empty/some headers. */
const sample: RecordBatch = {
  baseOffset: 42n,
  partitionLeaderEpoch: 3,
  attributes: 0,
  lastOffsetDelta: 3,
  firstTimestamp: 1726045973899n,
  maxTimestamp: 1726045974199n,
  producerId: 7n,
  producerEpoch: 1,
  baseSequence: 10,
  records: [
    { attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: null, value: text("pineapple"), headers: null },
    { attributes: 0, timestampDelta: 150n, offsetDelta: 1, key: new Uint8Array(0), value: new Uint8Array(300).fill(7), headers: [] },
    {
      attributes: 0, timestampDelta: -300n, offsetDelta: 2, key: text("key-2"), value: null,
      headers: [{ key: "trace", value: text("abc") }, { key: "ünïcødé ✓ 🍍", value: null }, { key: "", value: new Uint8Array(0) }],
    },
    { attributes: 0, timestampDelta: 2n ** 62n, offsetDelta: 3, key: null, value: new Uint8Array(0), headers: null },
  ],
};

describe.each(kinds)("RecordBatch ($kind)", ({ codec }) => {
  describe("the challenge tester's batches", () => {
    it.each(testerBatches)("decodes $name and re-encodes it byte for byte", ({ bytes, crc, value }) => {
      const batch = codec.decodeRecordBatch(bytes);
      expect(batch).toMatchObject({ baseOffset: 0n, batchLength: bytes.length - 12, magic: 2, crc, lastOffsetDelta: 0 });
      expect(batch.firstTimestamp).toBe(1726045973899n);
      expect(batch.records).toHaveLength(1);
      const [record] = batch.records;
      expect(record.key).toBeNull();
      expect(new TextDecoder().decode(record.value!)).toBe(value);
      expect(codec.encodeRecordBatch(batch)).toEqual(bytes);
    });

    it("keeps a header count of -1 (tester-written logs) apart from 0 (its Produce requests)", () => {
      const [pineapple, , apple] = testerBatches;
      expect(codec.decodeRecordBatch(pineapple.bytes).records[0].headers).toBeNull();
      expect(codec.decodeRecordBatch(apple.bytes).records[0].headers).toEqual([]);
    });

    it("validates the fd8 log: raspberry at offset 0, pineapple at offset 1", () => {
      const pineapple = testerBatches[0].bytes.slice();
      setBaseOffset(pineapple, 0, 1n);
      const log = concat(testerBatches[1].bytes, pineapple);
      expect(codec.validateRecordBatches(log)).toEqual({
        batchCount: 2, recordCount: 2, lastOffsetDelta: 0, validBytes: log.length, error: null,
      });
      expect(codec.decodeRecordBatch(log.subarray(77)).baseOffset).toBe(1n);
    });
  });

  describe.each(kafkaLogs)("Apache Kafka's $name log", ({ bytes }) => {
    it("validates every batch", () => {
      const batches = splitBatches(bytes);
      const records = batches.reduce((n, b) => n + readBatchHeader(b).recordsCount, 0);
      expect(codec.validateRecordBatches(bytes)).toEqual({
        batchCount: batches.length,
        recordCount: records,
        lastOffsetDelta: readBatchHeader(batches.at(-1)!).lastOffsetDelta,
        validBytes: bytes.length,
        error: null,
      });
    });

    it("decodes each batch and re-encodes it byte for byte", () => {
      for (const batch of splitBatches(bytes)) expect(codec.encodeRecordBatch(codec.decodeRecordBatch(batch))).toEqual(batch);
    });
  });

  it("reads the Hello World! record Kafka wrote to foo-0", () => {
    const [record] = codec.decodeRecordBatch(kafkaLogs[0].bytes).records;
    expect(new TextDecoder().decode(record.value!)).toBe("Hello World!");
  });

  describe("encoding", () => {
    it("round-trips nulls, empties, headers, negative and 62-bit timestamp deltas", () => {
      const bytes = codec.encodeRecordBatch(sample);
      const back = codec.decodeRecordBatch(bytes);
      expect(plain(back)).toEqual(plain({ ...sample, batchLength: bytes.length - 12, magic: 2, crc: back.crc } as RecordBatch));
      expect(back.crc).toBe(codec.crc32c(bytes.subarray(BatchField.Attributes)));
      expect(codec.validateRecordBatches(bytes)).toEqual({
        batchCount: 1, recordCount: 4, lastOffsetDelta: 3, validBytes: bytes.length, error: null,
      });
    });

    it("encodes an empty batch as the 61-byte header alone", () => {
      const bytes = codec.encodeRecordBatch({ ...sample, records: [] });
      expect(bytes.length).toBe(61);
      expect(readBatchHeader(bytes)).toMatchObject({ batchLength: 49, magic: 2, recordsCount: 0 });
      expect(codec.decodeRecordBatch(bytes).records).toEqual([]);
    });

    it("returns keys and values as views into the decoded bytes", () => {
      const bytes = codec.encodeRecordBatch(sample);
      const { value } = codec.decodeRecordBatch(bytes).records[0];
      expect(value!.buffer).toBe(bytes.buffer);
    });
  });

  describe("rejecting defects", () => {
    const good = () => codec.encodeRecordBatch(sample);

    it("says EMPTY for no bytes", () => {
      expect(codec.validateRecordBatches(new Uint8Array(0))).toEqual({
        batchCount: 0, recordCount: 0, lastOffsetDelta: -1, validBytes: 0, error: "EMPTY",
      });
      expect(errorOf(codec, new Uint8Array(0))).toBe("EMPTY");
    });

    it("catches every single-byte change except in base_offset and partition_leader_epoch", () => {
      const outsideCrc = new Set([...Array(8).keys(), 12, 13, 14, 15]);
      for (const { bytes } of [...testerBatches, { bytes: good() }]) {
        for (let at = 0; at < bytes.length; at++) {
          for (const flip of [0x01, 0x80, 0xff, 0x5a]) {
            const corrupt = bytes.slice();
            corrupt[at] ^= flip;
            const verdict = codec.validateRecordBatches(corrupt);
            if (outsideCrc.has(at)) expect(verdict.error, `byte ${at}`).toBeNull();
            else {
              expect(verdict.error, `byte ${at} ^ ${flip}`).not.toBeNull();
              expect(verdict).toMatchObject({ batchCount: 0, validBytes: 0 });
              expect(errorOf(codec, corrupt)).toBe(verdict.error);
            }
          }
        }
      }
    });

    it("names the defect: magic, CRC, lengths", () => {
      const bytes = good();
      const withMagic = bytes.slice();
      withMagic[BatchField.Magic] = 1;
      expect(codec.validateRecordBatches(withMagic).error).toBe("BAD_MAGIC");
      const withCrc = bytes.slice();
      withCrc[BatchField.Crc] ^= 1;
      expect(codec.validateRecordBatches(withCrc).error).toBe("BAD_CRC");
      const short = bytes.slice();
      new DataView(short.buffer).setInt32(BatchField.BatchLength, 48);
      expect(codec.validateRecordBatches(short).error).toBe("BAD_LENGTH");
      const long = bytes.slice();
      new DataView(long.buffer).setInt32(BatchField.BatchLength, bytes.length);
      expect(codec.validateRecordBatches(long).error).toBe("TRUNCATED");
    });

    it("says TRUNCATED for every cut, keeping the whole batches before it", () => {
      const first = good();
      for (let cut = 1; cut < first.length; cut++) {
        const verdict = codec.validateRecordBatches(concat(first, first.subarray(0, cut)));
        expect(verdict).toEqual({
          batchCount: 1, recordCount: 4, lastOffsetDelta: 3, validBytes: first.length, error: "TRUNCATED",
        });
        expect(errorOf(codec, first.subarray(0, cut))).toBe("TRUNCATED");
      }
    });

    it("checks record structure under a valid CRC", () => {
      // Re-signs the bytes so only the structure is wrong.
      const resign = (bytes: Uint8Array) => {
        new DataView(bytes.buffer).setUint32(BatchField.Crc, codec.crc32c(bytes.subarray(BatchField.Attributes)));
        return bytes;
      };
      const withCount = (bytes: Uint8Array, count: number) => {
        new DataView(bytes.buffer).setInt32(BatchField.RecordsCount, count);
        return resign(bytes);
      };
      const bytes = good();
      expect(codec.validateRecordBatches(withCount(bytes.slice(), 5)).error).toBe("BAD_LENGTH");
      expect(codec.validateRecordBatches(withCount(bytes.slice(), 3)).error).toBe("BAD_LENGTH");
      expect(codec.validateRecordBatches(withCount(bytes.slice(), -1)).error).toBe("BAD_RECORD");
      // The first record's length varint (15 → 16) now claims a byte of the next record.
      const longer = bytes.slice();
      longer[61] += 2;
      expect(codec.validateRecordBatches(resign(longer)).error).toBe("BAD_RECORD");
      // A key length of -2.
      const pineapple = testerBatches[0].bytes.slice();
      pineapple[65] = 3;
      expect(codec.validateRecordBatches(resign(pineapple)).error).toBe("BAD_RECORD");
    });

    it("reports where a run of batches stops being valid", () => {
      const bytes = good();
      const corrupt = bytes.slice();
      corrupt[corrupt.length - 1] ^= 1;
      const verdict = codec.validateRecordBatches(concat(bytes, bytes, corrupt, bytes));
      expect(verdict).toEqual({ batchCount: 2, recordCount: 8, lastOffsetDelta: 3, validBytes: 2 * bytes.length, error: "BAD_CRC" });
    });
  });

  describe("compressed batches", () => {
    /** A gzip-flagged batch whose records are opaque bytes, signed with a valid CRC. */
    function compressed(codecId: number, count: number): Uint8Array {
      const bytes = codec.encodeRecordBatch({ ...sample, attributes: codecId, records: [] });
      const withPayload = concat(bytes, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]));
      const v = new DataView(withPayload.buffer);
      v.setInt32(BatchField.BatchLength, withPayload.length - BATCH_LOG_OVERHEAD);
      v.setInt32(BatchField.RecordsCount, count);
      v.setUint32(BatchField.Crc, codec.crc32c(withPayload.subarray(BatchField.Attributes)));
      return withPayload;
    }

    it("validates lengths, magic and CRC and takes the record count from the header", () => {
      const bytes = compressed(1, 1000);
      expect(codec.validateRecordBatches(bytes)).toEqual({
        batchCount: 1, recordCount: 1000, lastOffsetDelta: 3, validBytes: bytes.length, error: null,
      });
      bytes[bytes.length - 1] ^= 1;
      expect(codec.validateRecordBatches(bytes).error).toBe("BAD_CRC");
    });

    it("rejects compression codecs 5 to 7", () => {
      expect(codec.validateRecordBatches(compressed(5, 1)).error).toBe("BAD_RECORD");
    });

    it("does not decode compressed records", () => {
      expect(() => codec.decodeRecordBatch(compressed(4, 1))).toThrow(/compressed \(codec 4\)/);
    });
  });

  it("keeps base_offset and partition_leader_epoch outside the CRC (the broker rewrites them)", () => {
    const bytes = codec.encodeRecordBatch(sample);
    setBaseOffset(bytes, 0, 123_456_789_012n);
    setPartitionLeaderEpoch(bytes, 0, 9);
    expect(codec.validateRecordBatches(bytes).error).toBeNull();
    expect(codec.decodeRecordBatch(bytes)).toMatchObject({ baseOffset: 123_456_789_012n, partitionLeaderEpoch: 9 });
  });
});
