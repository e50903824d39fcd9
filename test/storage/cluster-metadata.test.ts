import fs from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { readBatchHeader } from "../../src/codec/batch-header.ts";
import { ClusterMetadata, ConfigResourceType, TopicExistsError, type TopicMetadata } from "../../src/storage/cluster-metadata.ts";
import { FilesEngine } from "../../src/storage/files-engine.ts";
import { decodeMetadataRecord } from "../../src/storage/metadata-records.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";
import { codec, tempDir } from "./support.ts";

const fixtures = fileURLToPath(new URL("../fixtures/kafka/", import.meta.url));
const METADATA_LOG = join("__cluster_metadata-0", "00000000000000000000.log");
const engines = new Map<ClusterMetadata, FilesEngine>();

async function openMetadata(logDir: string, nodeId = 1): Promise<ClusterMetadata> {
  const engine = FilesEngine.open({ logDirs: [logDir], nodeId, codec });
  const metadata = await ClusterMetadata.open(engine, codec, nodeId);
  engines.set(metadata, engine);
  return metadata;
}

function reopen(metadata: ClusterMetadata, logDir: string): Promise<ClusterMetadata> {
  engines.get(metadata)!.close();
  engines.delete(metadata);
  return openMetadata(logDir, metadata.nodeId);
}

/** A log dir whose metadata log holds `bytes`. */
function logDirWith(bytes: Uint8Array): string {
  const dir = tempDir();
  fs.mkdirSync(join(dir, "__cluster_metadata-0"));
  fs.writeFileSync(join(dir, METADATA_LOG), bytes);
  return dir;
}

function summary(topic: TopicMetadata | undefined) {
  if (!topic) return undefined;
  const partitions = [...topic.partitions.values()].sort((a, b) => a.partitionId - b.partitionId);
  return { name: topic.name, topicId: topic.topicId, partitions: partitions.map((p) => [p.partitionId, p.leader, p.leaderEpoch, p.replicas, p.isr]) };
}

afterEach(() => {
  for (const engine of engines.values()) engine.close();
  engines.clear();
});

describe("ClusterMetadata", () => {
  it("reads the metadata log Kafka wrote (transaction markers, offset gaps, PartitionRecord v1)", async () => {
    const dir = logDirWith(fs.readFileSync(join(fixtures, "kraft-combined-logs", METADATA_LOG)));
    const metadata = await openMetadata(dir);
    expect(metadata.topics().map((t) => t.name)).toEqual(["foo"]);
    const foo = metadata.topicByName("foo")!;
    expect(summary(foo)).toEqual({ name: "foo", topicId: "bfd99e5e-3235-4552-81f8-d4af1741970c", partitions: [[0, 1, 0, [1], [1]]] });
    expect(foo.partitions.get(0)!.directories).toEqual(["0224973c-badd-44cf-8744-45a99619da34"]);
    expect(metadata.topicById("bfd99e5e-3235-4552-81f8-d4af1741970c")).toBe(foo);
  });

  it("reads the metadata log the challenge tester writes", async () => {
    const hex = fs.readFileSync(join(fixtures, "tester-mango-cluster-metadata.hex"), "utf8");
    const metadata = await openMetadata(logDirWith(Buffer.from(hex.replace(/\s+/g, ""), "hex")));
    expect(summary(metadata.topicByName("mango"))).toEqual({
      name: "mango",
      topicId: "71a59a51-8968-4f8b-937e-2d59b2dc350e",
      partitions: [[0, 1, 0, [1], [1]]],
    });
    expect(metadata.topicByName("mango")!.partitions.get(0)!.directories).toEqual(["10000000-0000-4000-8000-000000000001"]);
  });

  it("starts empty without a metadata log and creates it, as Kafka lays it out, on the first change", async () => {
    const dir = tempDir();
    const metadata = await openMetadata(dir);
    expect(metadata.topics()).toEqual([]);
    expect(fs.existsSync(join(dir, "__cluster_metadata-0"))).toBe(false);

    await metadata.createTopic("pear", 2, 1);
    expect(fs.readFileSync(join(dir, "__cluster_metadata-0", "partition.metadata"), "utf8")).toBe(
      "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ",
    );
    expect(fs.existsSync(join(dir, METADATA_LOG))).toBe(true);
  });

  it("keeps created topics, added partitions and deletions across a restart", async () => {
    const dir = tempDir();
    let metadata = await openMetadata(dir, 7);
    const pear = await metadata.createTopic("pear", 2, 1);
    const apple = await metadata.createTopic("apple", 1, 1);
    await metadata.createTopic("grape", 1, 1);
    await metadata.createPartitions("apple", 3);
    await metadata.deleteTopic("grape");
    expect(pear.topicId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(pear.topicId).not.toBe("00000000-0000-0000-0000-000000000000");
    expect(apple.topicId).not.toBe(pear.topicId);
    const before = metadata.topics().map(summary);

    metadata = await reopen(metadata, dir);
    expect(metadata.topics().map(summary)).toEqual(before);
    expect(before.map((t) => t!.name)).toEqual(["apple", "pear"]);
    expect(summary(metadata.topicByName("apple"))!.partitions).toEqual([
      [0, 7, 0, [7], [7]],
      [1, 7, 0, [7], [7]],
      [2, 7, 0, [7], [7]],
    ]);
    expect(metadata.topicByName("grape")).toBeUndefined();
    expect(metadata.topicById(pear.topicId)?.name).toBe("pear");
  });

  it("appends one valid batch per change after the last offset of an existing log", async () => {
    const hex = fs.readFileSync(join(fixtures, "tester-mango-cluster-metadata.hex"), "utf8");
    const dir = logDirWith(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
    fs.writeFileSync(join(dir, "meta.properties"), "#\ncluster.id=IAAAAAAAQACAAAAAAAAAAQ\ndirectory.id=EAAAAAAAQACAAAAAAAAAAQ==\nnode.id=1\nversion=1\n");
    const metadata = await openMetadata(dir);
    const banana = await metadata.createTopic("banana", 2, 1);

    const log = fs.readFileSync(join(dir, METADATA_LOG));
    expect(codec.validateRecordBatches(log)).toMatchObject({ error: null, batchCount: 3, validBytes: log.length });
    const spans = [...batchSpans(log)];
    const written = log.subarray(spans[2].position);
    const header = readBatchHeader(written);
    expect(header).toMatchObject({ baseOffset: 4n, lastOffsetDelta: 2, producerId: -1n, producerEpoch: -1, baseSequence: -1, recordsCount: 3 });
    const records = codec.decodeRecordBatch(written).records.map((r) => decodeMetadataRecord(r.value!));
    expect(records).toEqual([
      { type: "TopicRecord", record: { name: "banana", topicId: banana.topicId } },
      ...[0, 1].map((partitionId) => ({
        type: "PartitionRecord",
        record: expect.objectContaining({ partitionId, topicId: banana.topicId, leader: 1, directories: ["10000000-0000-4000-8000-000000000001"] }),
      })),
    ]);
    expect(metadata.topics().map((t) => t.name)).toEqual(["banana", "mango"]);
  });

  it("refuses changes that make no sense for this one-broker cluster", async () => {
    const metadata = await openMetadata(tempDir());
    await metadata.createTopic("kiwi", 1, 1);
    await expect(metadata.createTopic("kiwi", 1, 1)).rejects.toThrow(TopicExistsError);
    await expect(metadata.createTopic("fig", 1, 3)).rejects.toThrow(RangeError);
    await expect(metadata.createPartitions("kiwi", 1)).rejects.toThrow(RangeError);
    await expect(metadata.deleteTopic("nope")).rejects.toThrow();
  });
});

describe("ClusterMetadata configs", () => {
  it("records topic overrides as ConfigRecords, replays them, and drops them with the topic", async () => {
    const dir = tempDir();
    let metadata = await openMetadata(dir);
    await metadata.createTopic("orders", 1, 1, [["retention.ms", "1000"], ["cleanup.policy", "compact"]]);
    await metadata.alterConfigs(ConfigResourceType.TOPIC, "orders", [["retention.ms", null], ["segment.bytes", "4096"]]);
    const expected = new Map([["cleanup.policy", "compact"], ["segment.bytes", "4096"]]);
    expect(metadata.configs(ConfigResourceType.TOPIC, "orders")).toEqual(expected);
    const bytes = fs.readFileSync(join(dir, METADATA_LOG));
    const types = [...batchSpans(bytes)].flatMap(({ position, size }) =>
      codec.decodeRecordBatch(bytes.subarray(position, position + size)).records.map((r) => decodeMetadataRecord(r.value!)!.type),
    );
    expect(types).toEqual(["TopicRecord", "ConfigRecord", "ConfigRecord", "PartitionRecord", "ConfigRecord", "ConfigRecord"]);
    metadata = await reopen(metadata, dir);
    expect(metadata.configs(ConfigResourceType.TOPIC, "orders")).toEqual(expected);
    await metadata.deleteTopic("orders");
    await metadata.createTopic("orders", 1, 1);
    metadata = await reopen(metadata, dir);
    expect(metadata.configs(ConfigResourceType.TOPIC, "orders").size).toBe(0);
  });
});
