// The files the tester writes before every stage (§1.2, §5), byte for byte, into a temporary directory
// instead of /tmp: server.properties, meta.properties, .kafka_cleanshutdown, partition directories and
// __cluster_metadata-0.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ByteWriter, utf8, uuidToBytes } from "./bytes.ts";
import { encodeRecordBatch, type BatchRecord, type RecordBatch } from "./record-batch.ts";

export interface TopicSpec {
  name: string;
  id: string;
  /** One entry per partition, in index order: the message values of that partition's log (empty = 0-byte log). */
  partitions: string[][];
}

/** UUID of the log directory (meta.properties directory.id, PartitionRecord.directories). */
export const DIRECTORY_ID = "10000000-0000-4000-8000-000000000001";
/** Timestamp of every batch in the partition logs and of every batch the tester produces. */
export const MESSAGE_TIMESTAMP = 1726045973899n;
const FEATURE_LEVEL_TIMESTAMP = 1726045943832n;
const TOPIC_TIMESTAMP = 1726045957397n;
export const LOG_FILE = "00000000000000000000.log";

export function serverProperties(port: number, controllerPort: number, logDir: string): string {
  return [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@localhost:${controllerPort}`,
    `listeners=PLAINTEXT://:${port},CONTROLLER://:${controllerPort}`,
    "controller.listener.names=CONTROLLER",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
    `log.dirs=${logDir}`,
  ].join("\n");
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Go layout "Mon Jan 02 15:04:05 MST 2006", rendered in UTC. */
function goDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

export function metaProperties(now: Date): string {
  return `#\n#${goDate(now)}\ncluster.id=IAAAAAAAQACAAAAAAAAAAQ\ndirectory.id=EAAAAAAAQACAAAAAAAAAAQ==\nnode.id=1\nversion=1\n`;
}

/** Standard base64 with "==" padding, unlike Kafka's URL-safe unpadded form. */
export function partitionMetadata(topicId: string): string {
  return `version: 0\ntopic_id: ${Buffer.from(uuidToBytes(topicId)).toString("base64")}`;
}

function valueRecord(value: Uint8Array, headers: BatchRecord["headers"]): BatchRecord {
  return { attributes: 0, timestampDelta: 0, key: null, value, headers };
}

/** One batch per message (§5.3): base offset i, producer fields 0, header count −1. */
export function partitionLogBatches(values: string[]): RecordBatch[] {
  return values.map((value, i) => ({
    baseOffset: BigInt(i),
    partitionLeaderEpoch: 0,
    attributes: 0,
    lastOffsetDelta: 0,
    firstTimestamp: MESSAGE_TIMESTAMP,
    maxTimestamp: MESSAGE_TIMESTAMP,
    producerId: 0n,
    producerEpoch: 0,
    baseSequence: 0,
    records: [valueRecord(utf8(value), null)],
  }));
}

export function partitionLogBytes(values: string[]): Buffer {
  return Buffer.concat(partitionLogBatches(values).map(encodeRecordBatch));
}

/** frame_version 1, type, version, fields, empty TAG_BUFFER. */
function metadataPayload(type: number, version: number, fields: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter().i8(1).i8(type).i8(version);
  fields(w);
  return w.tagBuffer().finish();
}

function featureLevelRecord(): Uint8Array {
  return metadataPayload(12, 0, (w) => w.compactString("metadata.version").i16(20));
}

function topicRecord(topic: TopicSpec): Uint8Array {
  return metadataPayload(2, 0, (w) => w.compactString(topic.name).uuid(topic.id));
}

function partitionRecord(topic: TopicSpec, partition: number): Uint8Array {
  return metadataPayload(3, 1, (w) => {
    w.i32(partition).uuid(topic.id);
    w.uvarint(2).i32(1); // replicas [1]
    w.uvarint(2).i32(1); // isr [1]
    w.uvarint(1); // removing_replicas []
    w.uvarint(1); // adding_replicas []
    w.i32(1).i32(0).i32(0); // leader, leader_epoch, partition_epoch
    w.uvarint(2).uuid(DIRECTORY_ID);
  });
}

function metadataBatch(baseOffset: number, timestamp: bigint, payloads: Uint8Array[]): RecordBatch {
  return {
    baseOffset: BigInt(baseOffset),
    partitionLeaderEpoch: 1,
    attributes: 0,
    lastOffsetDelta: payloads.length - 1,
    firstTimestamp: timestamp,
    maxTimestamp: timestamp,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records: payloads.map((p) => valueRecord(p, [])),
  };
}

/** §5.4: the FeatureLevelRecord batch at offset 1, then one batch per topic in configuration order. */
export function clusterMetadataLogBytes(topics: TopicSpec[]): Buffer {
  const batches = [metadataBatch(1, FEATURE_LEVEL_TIMESTAMP, [featureLevelRecord()])];
  let nextOffset = 2;
  for (const topic of topics) {
    const payloads = [topicRecord(topic), ...topic.partitions.map((_, p) => partitionRecord(topic, p))];
    batches.push(metadataBatch(nextOffset, TOPIC_TIMESTAMP, payloads));
    nextOffset += payloads.length;
  }
  return Buffer.concat(batches.map(encodeRecordBatch));
}

export interface TesterFiles {
  propertiesPath: string;
  logDir: string;
  port: number;
  controllerPort: number;
  /** Empty for the config-only stages, which get no __cluster_metadata-0 at all. */
  topics: TopicSpec[];
}

/** Writes everything in the tester's order; the log directory is wiped first, as in every stage. */
export async function writeTesterFiles(files: TesterFiles): Promise<void> {
  const { logDir, topics } = files;
  await writeFile(files.propertiesPath, serverProperties(files.port, files.controllerPort, logDir), { mode: 0o644 });
  await rm(logDir, { recursive: true, force: true });
  await mkdir(logDir, { mode: 0o755 });
  await writeFile(join(logDir, "meta.properties"), metaProperties(new Date()));
  await writeFile(join(logDir, ".kafka_cleanshutdown"), '{"version":0,"brokerEpoch":10}');
  if (topics.length === 0) return;
  for (const topic of topics) {
    for (const [index, values] of topic.partitions.entries()) {
      const dir = join(logDir, `${topic.name}-${index}`);
      await mkdir(dir);
      await writeFile(join(dir, "partition.metadata"), partitionMetadata(topic.id));
      await writeFile(join(dir, LOG_FILE), partitionLogBytes(values));
    }
  }
  const metadataDir = join(logDir, "__cluster_metadata-0");
  await mkdir(metadataDir);
  await writeFile(join(metadataDir, LOG_FILE), clusterMetadataLogBytes(topics));
  await writeFile(join(metadataDir, "partition.metadata"), "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ");
}
