/**
 * Answering some partitions of a request with an error while the handler answers the rest: the
 * handler is given the request without them (so nothing is written for them), and error entries
 * are put back into its response in the request's order. How fault injection fails one
 * partition, and how an in-process cluster says NOT_LEADER_OR_FOLLOWER.
 *
 * The APIs that carry per-partition errors are described field by field below; `answerPartitions`
 * returns undefined for any other API.
 */
import type { RequestContext } from "../handlers/api.ts";

/** The error for one partition, or undefined to let the handler answer it. */
export type PartitionErrorFor = (topic: string, partition: number) => number | undefined;

type Entry = Record<string, any>;

interface PartitionedApi {
  requestTopics: string;
  requestPartitions: string;
  requestIndex: string;
  responseTopics: string;
  responsePartitions: string;
  /** The topic's name in a request entry (Fetch v13+ names topics by id). */
  topicName(ctx: RequestContext, topic: Entry): string | undefined;
  /** The response entry for a request's topic entry carries the same name (or id). */
  sameTopic(response: Entry, request: Entry): boolean;
  /** A response topic entry named as the request's is (for a topic whose every partition failed). */
  responseTopic(request: Entry): Entry;
  errorPartition(index: number, errorCode: number): Entry;
  /** Produce with acks=0 is answered with nothing at all. */
  noResponse?(request: Entry): boolean;
}

const byName = (ctx: RequestContext, t: Entry) => t.name as string;
const sameName = (r: Entry, t: Entry) => r.name === t.name;
const named = (t: Entry) => ({ name: t.name });

const PARTITIONED: Record<string, PartitionedApi> = {
  Produce: {
    requestTopics: "topicData", requestPartitions: "partitionData", requestIndex: "index",
    responseTopics: "responses", responsePartitions: "partitionResponses",
    topicName: byName, sameTopic: sameName, responseTopic: named,
    errorPartition: (index, errorCode) => ({
      index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage: null,
    }),
    noResponse: (req) => req.acks === 0,
  },
  Fetch: {
    requestTopics: "topics", requestPartitions: "partitions", requestIndex: "partition",
    responseTopics: "responses", responsePartitions: "partitions",
    topicName: (ctx, t) => (ctx.apiVersion >= 13 ? ctx.broker.metadata.topicById(t.topicId)?.name : t.topic),
    sameTopic: (r, t) => r.topic === t.topic && r.topicId === t.topicId,
    responseTopic: (t) => ({ topic: t.topic, topicId: t.topicId }),
    errorPartition: (partitionIndex, errorCode) => ({
      partitionIndex, errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n,
      abortedTransactions: null, preferredReadReplica: -1, records: new Uint8Array(0),
    }),
  },
  ListOffsets: {
    requestTopics: "topics", requestPartitions: "partitions", requestIndex: "partitionIndex",
    responseTopics: "topics", responsePartitions: "partitions",
    topicName: byName, sameTopic: sameName, responseTopic: named,
    errorPartition: (partitionIndex, errorCode) => ({ partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 }),
  },
  OffsetCommit: {
    requestTopics: "topics", requestPartitions: "partitions", requestIndex: "partitionIndex",
    responseTopics: "topics", responsePartitions: "partitions",
    topicName: byName, sameTopic: sameName, responseTopic: named,
    errorPartition: (partitionIndex, errorCode) => ({ partitionIndex, errorCode }),
  },
};

export function isPartitioned(api: string): boolean {
  return api in PARTITIONED;
}

/** Every (topic, partition) a partitioned request names; topics it names by an unknown id are left out. */
export function requestedPartitions(ctx: RequestContext, api: string, request: unknown): { topic: string; partition: number }[] {
  const spec = PARTITIONED[api];
  if (!spec) return [];
  return ((request as Entry)[spec.requestTopics] as Entry[]).flatMap((t) => {
    const topic = spec.topicName(ctx, t);
    if (topic === undefined) return [];
    return (t[spec.requestPartitions] as Entry[]).map((p) => ({ topic, partition: p[spec.requestIndex] as number }));
  });
}

/**
 * The response with `errorFor`'s partitions answered by it and the others by `next` (which sees
 * the request without them); undefined when `api` has no per-partition errors.
 */
export async function answerPartitions(
  ctx: RequestContext,
  api: string,
  request: unknown,
  errorFor: PartitionErrorFor,
  next: (request: unknown) => Promise<unknown | null>,
): Promise<unknown | null | undefined> {
  const spec = PARTITIONED[api];
  if (!spec) return undefined;
  const req = request as Entry;
  const failed = new Map<Entry, Entry[]>();
  const kept = (req[spec.requestTopics] as Entry[]).map((t) => {
    const topic = spec.topicName(ctx, t);
    const keptPartitions: Entry[] = [];
    const errors: Entry[] = [];
    for (const p of t[spec.requestPartitions] as Entry[]) {
      const errorCode = topic === undefined ? undefined : errorFor(topic, p[spec.requestIndex]);
      if (errorCode === undefined) keptPartitions.push(p);
      else errors.push(spec.errorPartition(p[spec.requestIndex], errorCode));
    }
    if (errors.length > 0) failed.set(t, errors);
    return { ...t, [spec.requestPartitions]: keptPartitions };
  });
  if (failed.size === 0) return next(request);
  const response = (await next({ ...req, [spec.requestTopics]: kept.filter((t) => t[spec.requestPartitions].length > 0) })) as Entry | null;
  if (response === null || spec.noResponse?.(req)) return response;
  const answered = response[spec.responseTopics] as Entry[];
  // Back in the request's order: each topic's answered partitions, then its failed ones.
  const topics = (req[spec.requestTopics] as Entry[]).map((t) => {
    const answer = answered.find((r) => spec.sameTopic(r, t));
    const base = answer ?? { ...spec.responseTopic(t), [spec.responsePartitions]: [] };
    return { ...base, [spec.responsePartitions]: [...base[spec.responsePartitions], ...(failed.get(t) ?? [])] };
  });
  return { ...response, [spec.responseTopics]: topics };
}
