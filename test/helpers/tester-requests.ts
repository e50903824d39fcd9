// The requests the tester sends (§3, §4): request header v2 with client_id "kafka-tester", then the body.
// Each function returns the whole frame, message_size included, ready for one write.
import { ByteWriter, utf8 } from "./bytes.ts";
import { MESSAGE_TIMESTAMP } from "./kafka-files.ts";
import { encodeRecordBatch, type RecordBatch } from "./record-batch.ts";

export const API_PRODUCE = 0;
export const API_FETCH = 1;
export const API_VERSIONS = 18;
export const API_DESCRIBE_TOPIC_PARTITIONS = 75;

function frame(apiKey: number, apiVersion: number, correlationId: number, body: (w: ByteWriter) => void): Buffer {
  const w = new ByteWriter().i16(apiKey).i16(apiVersion).i32(correlationId).string16("kafka-tester").tagBuffer();
  body(w);
  const payload = w.finish();
  return Buffer.concat([new ByteWriter().i32(payload.length).finish(), payload]);
}

/** ApiVersions with the v4 body; nc5 sends the same body under a version in 1000–1999. */
export function apiVersionsRequest(correlationId: number, apiVersion = 4): Buffer {
  return frame(API_VERSIONS, apiVersion, correlationId, (w) => {
    w.compactString("kafka-cli").compactString("0.1").tagBuffer();
  });
}

export function describeTopicPartitionsRequest(correlationId: number, topics: string[], partitionLimit: number): Buffer {
  return frame(API_DESCRIBE_TOPIC_PARTITIONS, 0, correlationId, (w) => {
    w.uvarint(topics.length + 1);
    for (const name of topics) w.compactString(name).tagBuffer();
    w.i32(partitionLimit).i8(-1).tagBuffer();
  });
}

/** Fetch v16 for partition 0 of `topicId` from offset 0, or with no topics at all (dh6). */
export function fetchRequest(correlationId: number, topicId: string | null): Buffer {
  return frame(API_FETCH, 16, correlationId, (w) => {
    w.i32(500).i32(1).i32(0x7fffffff).i8(0).i32(0).i32(0);
    if (topicId === null) {
      w.uvarint(1);
    } else {
      w.uvarint(2).uuid(topicId);
      w.uvarint(2).i32(0).i32(-1).i64(0n).i32(-1).i64(-1n).i32(0x7fffffff).tagBuffer();
      w.tagBuffer();
    }
    w.uvarint(1).compactString("").tagBuffer();
  });
}

/** The batch the tester produces: producer fields 0, header count 0, offset deltas 0..n−1. */
export function produceBatch(values: string[]): RecordBatch {
  return {
    baseOffset: 0n,
    partitionLeaderEpoch: 0,
    attributes: 0,
    lastOffsetDelta: values.length - 1,
    firstTimestamp: MESSAGE_TIMESTAMP,
    maxTimestamp: MESSAGE_TIMESTAMP,
    producerId: 0n,
    producerEpoch: 0,
    baseSequence: 0,
    records: values.map((v) => ({ attributes: 0, timestampDelta: 0, key: null, value: utf8(v), headers: [] })),
  };
}

export interface ProducePartition {
  index: number;
  /** The values of the single batch sent to this partition. */
  values: string[];
}

export interface ProduceTopic {
  name: string;
  partitions: ProducePartition[];
}

export function produceRequest(correlationId: number, topics: ProduceTopic[]): Buffer {
  return frame(API_PRODUCE, 11, correlationId, (w) => {
    w.uvarint(0).i16(-1).i32(30000);
    w.uvarint(topics.length + 1);
    for (const topic of topics) {
      w.compactString(topic.name).uvarint(topic.partitions.length + 1);
      for (const partition of topic.partitions) {
        const batch = encodeRecordBatch(produceBatch(partition.values));
        w.i32(partition.index).uvarint(batch.length + 1).bytes(batch).tagBuffer();
      }
      w.tagBuffer();
    }
    w.tagBuffer();
  });
}
