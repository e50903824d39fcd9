// Self-checks of the tester-side file writer and batch codec against the bytes published in the spec.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ByteReader, fromHex, toHex, utf8 } from "./bytes.ts";
import {
  clusterMetadataLogBytes, metaProperties, partitionLogBytes, partitionMetadata, serverProperties, writeTesterFiles,
} from "./kafka-files.ts";
import { crc32c, decodeRecordBatch, decodeRecordBatches, encodeRecordBatch, hex32 } from "./record-batch.ts";
import { produceBatch } from "./tester-requests.ts";

// §5.4: topic "mango", 71a59a51-8968-4f8b-937e-2d59b2dc350e, partition 0 (the EA7 setup), 259 bytes.
const MANGO_METADATA_LOG = `
00 00 00 00 00 00 00 01 00 00 00 4f 00 00 00 01 02 b0 69 45 7c 00 00 00 00 00 00 00 00 01 91 e0
5a f8 18 00 00 01 91 e0 5a f8 18 ff ff ff ff ff ff ff ff ff ff ff ff ff ff 00 00 00 01 3a 00 00
00 01 2e 01 0c 00 11 6d 65 74 61 64 61 74 61 2e 76 65 72 73 69 6f 6e 00 14 00 00 00 00 00 00 00
00 00 02 00 00 00 9c 00 00 00 01 02 ba 8d b9 94 00 00 00 00 00 01 00 00 01 91 e0 5b 2d 15 00 00
01 91 e0 5b 2d 15 ff ff ff ff ff ff ff ff ff ff ff ff ff ff 00 00 00 02 40 00 00 00 01 34 01 02
00 06 6d 61 6e 67 6f 71 a5 9a 51 89 68 4f 8b 93 7e 2d 59 b2 dc 35 0e 00 00 90 01 00 00 02 01 82
01 01 03 01 00 00 00 00 71 a5 9a 51 89 68 4f 8b 93 7e 2d 59 b2 dc 35 0e 02 00 00 00 01 02 00 00
00 01 01 01 00 00 00 01 00 00 00 00 00 00 00 00 02 10 00 00 00 00 00 40 00 80 00 00 00 00 00 00
01 00 00`;

// §5.3 / §4.3: the tester-written batch holding "pineapple" at base offset 0.
const PINEAPPLE_BATCH = `
00 00 00 00 00 00 00 00 00 00 00 41 00 00 00 00 02 cf 35 bf 62 00 00 00 00 00 00 00 00 01 91 e0
5b 6d 8b 00 00 01 91 e0 5b 6d 8b 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 1e 00 00
00 01 12 70 69 6e 65 61 70 70 6c 65 01`;

const crcOf = (batch: Buffer) => hex32(batch.readUInt32BE(17));

describe("CRC-32C", () => {
  test("check value of '123456789' is 0xe3069283", () => {
    expect(hex32(crc32c(utf8("123456789")))).toBe("e3069283");
  });
});

describe("partition logs (§5.3)", () => {
  test("'pineapple' batch is the transcript's bytes, CRC 0xcf35bf62", () => {
    const bytes = partitionLogBytes(["pineapple"]);
    expect(toHex(bytes)).toBe(toHex(fromHex(PINEAPPLE_BATCH)));
    expect(crcOf(bytes)).toBe("cf35bf62");
  });

  test("fd8 file 'raspberry' then 'pineapple': 0xb26693fc at offset 0, 0xcf35bf62 at offset 1", () => {
    const bytes = partitionLogBytes(["raspberry", "pineapple"]);
    expect(bytes.length).toBe(2 * (68 + 9));
    expect(toHex(bytes.subarray(0, 0x52))).toBe(toHex(fromHex(`
      00 00 00 00 00 00 00 00 00 00 00 41 00 00 00 00 02 b2 66 93 fc 00 00 00 00 00 00 00 00 01 91 e0
      5b 6d 8b 00 00 01 91 e0 5b 6d 8b 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 1e 00 00
      00 01 12 72 61 73 70 62 65 72 72 79 01 00 00 00 00 00`)));
    const second = bytes.subarray(77);
    expect(second.readBigInt64BE(0)).toBe(1n);
    expect(crcOf(second)).toBe("cf35bf62");
    const batches = decodeRecordBatches(new ByteReader(bytes), bytes.length);
    expect(batches.map((b) => Buffer.from(b.records[0].value!).toString())).toEqual(["raspberry", "pineapple"]);
    expect(batches.every((b) => b.records[0].headers === null)).toBe(true);
  });

  test("an empty partition's log is 0 bytes", () => {
    expect(partitionLogBytes([]).length).toBe(0);
  });
});

describe("the tester's Produce batch (§4.4)", () => {
  test("'apple' batch has CRC 0xa437a6ee and header count 0", () => {
    const bytes = encodeRecordBatch(produceBatch(["apple"]));
    expect(crcOf(bytes)).toBe("a437a6ee");
    expect(toHex(bytes.subarray(61))).toBe("16 00 00 00 01 0a 61 70 70 6c 65 00");
    expect(bytes.readInt32BE(8)).toBe(49 + 5 + 7);
  });
});

describe("__cluster_metadata-0 (§5.4)", () => {
  test("the mango example is reproduced byte for byte (259 bytes)", () => {
    const bytes = clusterMetadataLogBytes([
      { name: "mango", id: "71a59a51-8968-4f8b-937e-2d59b2dc350e", partitions: [["anything"]] },
    ]);
    expect(bytes.length).toBe(259);
    expect(toHex(bytes)).toBe(toHex(fromHex(MANGO_METADATA_LOG)));
  });

  test("offsets continue without gaps across topic batches, one PartitionRecord per partition", () => {
    const bytes = clusterMetadataLogBytes([
      { name: "pear", id: "71a59a51-8968-4f8b-937e-000000000123", partitions: [[]] },
      { name: "apple", id: "71a59a51-8968-4f8b-937e-000000001456", partitions: [[], []] },
    ]);
    const batches = decodeRecordBatches(new ByteReader(bytes), bytes.length);
    expect(batches.map((b) => [b.baseOffset, b.lastOffsetDelta, b.records.length])).toEqual([
      [1n, 0, 1], [2n, 1, 2], [4n, 2, 3],
    ]);
    // PartitionRecord payload is 65 bytes; partition ids 0 and 1 in ascending order.
    const partitions = batches[2].records.slice(1).map((r) => r.value!);
    expect(partitions.map((p) => p.length)).toEqual([65, 65]);
    expect(partitions.map((p) => Buffer.from(p).readInt32BE(3))).toEqual([0, 1]);
  });
});

describe("text files (§1.2, §5)", () => {
  test("server.properties for 9092 is the tester's text exactly", () => {
    expect(serverProperties(9092, 9093, "/tmp/kraft-combined-logs")).toBe(
      "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\n" +
        "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n" +
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL\n" +
        "log.dirs=/tmp/kraft-combined-logs",
    );
  });

  test("meta.properties carries the Go-style date line and the padded directory id", () => {
    expect(metaProperties(new Date(Date.UTC(2025, 5, 10, 12, 0, 0)))).toBe(
      "#\n#Tue Jun 10 12:00:00 UTC 2025\ncluster.id=IAAAAAAAQACAAAAAAAAAAQ\n" +
        "directory.id=EAAAAAAAQACAAAAAAAAAAQ==\nnode.id=1\nversion=1\n",
    );
  });

  test("partition.metadata uses standard base64 with == padding", () => {
    expect(partitionMetadata("71a59a51-8968-4f8b-937e-2d59b2dc350e")).toBe(
      "version: 0\ntopic_id: caWaUYloT4uTfi1Zstw1Dg==",
    );
  });

  test("writeTesterFiles lays out the directory like the tester", async () => {
    const root = await mkdtemp(join(tmpdir(), "kafka-files-"));
    try {
      const logDir = join(root, "kraft-combined-logs");
      await writeTesterFiles({
        propertiesPath: join(root, "server.properties"), logDir, port: 1234, controllerPort: 1235,
        topics: [{ name: "mango", id: "71a59a51-8968-4f8b-937e-2d59b2dc350e", partitions: [["pineapple"], []] }],
      });
      expect((await readdir(logDir)).sort()).toEqual(
        [".kafka_cleanshutdown", "__cluster_metadata-0", "mango-0", "mango-1", "meta.properties"],
      );
      expect((await readFile(join(logDir, "mango-0", "00000000000000000000.log"))).equals(fromHex(PINEAPPLE_BATCH))).toBe(true);
      expect((await readFile(join(logDir, "mango-1", "00000000000000000000.log"))).length).toBe(0);
      expect(await readFile(join(logDir, "__cluster_metadata-0", "partition.metadata"), "utf8"))
        .toBe("version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test("config-only stages get no __cluster_metadata-0", async () => {
    const root = await mkdtemp(join(tmpdir(), "kafka-files-"));
    try {
      const logDir = join(root, "kraft-combined-logs");
      await writeTesterFiles({ propertiesPath: join(root, "server.properties"), logDir, port: 1, controllerPort: 2, topics: [] });
      expect((await readdir(logDir)).sort()).toEqual([".kafka_cleanshutdown", "meta.properties"]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("batch validation (the tester's decode checks)", () => {
  const good = () => Buffer.from(partitionLogBytes(["apple"]));

  test("a corrupted value fails the CRC check", () => {
    const bytes = good();
    bytes[bytes.length - 2] ^= 1;
    expect(() => decodeRecordBatch(new ByteReader(bytes))).toThrow(/CRC mismatch/);
  });

  test("a header count re-serialised as 0 fails the CRC check", () => {
    const bytes = good();
    bytes[bytes.length - 1] = 0x00;
    expect(() => decodeRecordBatch(new ByteReader(bytes))).toThrow(/CRC mismatch/);
  });

  test("a wrong batch_length is reported", () => {
    const bytes = Buffer.concat([good(), Buffer.from([0])]);
    bytes.writeInt32BE(bytes.readInt32BE(8) + 1, 8);
    expect(() => decodeRecordBatch(new ByteReader(bytes))).toThrow(/batch_length/);
  });
});
