/**
 * Fault injection, as librdkafka's MockCluster (push_request_errors, broker RTT, broker down)
 * and franz-go's kfake (ControlKey) offer it: the next N requests of an API — optionally only
 * those naming one topic, or one partition of it — are answered with an error code, delayed,
 * dropped with the connection, or left unanswered until the faults are restored.
 *
 *   broker.faults.inject({ api: "Produce", topic: "orders", error: "NOT_LEADER_OR_FOLLOWER", count: 2 });
 *   broker.faults.inject({ api: "Fetch", latencyMs: 300 });
 *   broker.faults.restore();
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ApiHandler, RequestContext } from "../handlers/api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import type { RequestInterceptor } from "../server/request-interceptor.ts";
import { answerPartitions, isPartitioned, requestedPartitions } from "./partition-errors.ts";

export type ErrorName = Exclude<keyof typeof ErrorCode, "NONE">;

export interface FaultSpec {
  /** The API's name as Kafka spells it: "Produce", "Fetch", "Metadata", "FindCoordinator", ... */
  api: string;
  /** How many matching requests the fault applies to (default 1; Infinity until restore()). */
  count?: number;
  /** Only requests naming this topic (Produce, Fetch, ListOffsets, OffsetCommit, Metadata, CreateTopics). */
  topic?: string;
  /** With `topic`: only this partition of it. */
  partition?: number;
  /** Answer with this error code (by name or number): the named partitions only, the rest are served. */
  error?: ErrorName | number;
  /** Answer this much later (with `error`, the error comes late). */
  latencyMs?: number;
  /** Close the connection instead of answering. */
  drop?: boolean;
  /** Never answer (the connection stays open) until restore() or until the client disconnects. */
  stopAnswering?: boolean;
}

/** One injected fault: how many requests it has hit, and how many it still will. */
export interface InjectedFault {
  readonly spec: Readonly<FaultSpec>;
  readonly hits: number;
  readonly remaining: number;
}

/** Top-level error answers for APIs without per-partition errors, built without running the handler. */
const ERROR_RESPONSES: Record<string, (errorCode: number, req: any, version: number) => unknown> = {
  FindCoordinator: (errorCode, req, version) => {
    const none = { nodeId: -1, host: "", port: -1, errorCode, errorMessage: null };
    return version >= 4 ? { throttleTimeMs: 0, coordinators: (req.coordinatorKeys ?? []).map((key: string) => ({ key, ...none })) } : { throttleTimeMs: 0, ...none };
  },
  JoinGroup: (errorCode, req) => ({
    throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", skipAssignment: false, memberId: req.memberId, members: [],
  }),
  SyncGroup: (errorCode) => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: new Uint8Array(0) }),
  Heartbeat: (errorCode) => ({ throttleTimeMs: 0, errorCode }),
  LeaveGroup: (errorCode) => ({ throttleTimeMs: 0, errorCode, members: [] }),
  InitProducerId: (errorCode) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 }),
  OffsetFetch: (errorCode, req, version) =>
    version >= 8
      ? { throttleTimeMs: 0, groups: (req.groups ?? []).map((g: any) => ({ groupId: g.groupId, topics: [], errorCode })) }
      : { throttleTimeMs: 0, topics: [], errorCode },
  CreateTopics: (errorCode, req) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t: any) => ({ name: t.name, errorCode, errorMessage: null, numPartitions: -1, replicationFactor: -1, configs: null })),
  }),
};

class Fault implements InjectedFault {
  hits = 0;

  constructor(readonly spec: Readonly<FaultSpec>) {}

  get remaining(): number {
    return (this.spec.count ?? 1) - this.hits;
  }

  /** Whether the request is one this fault is about (its API, and its topic/partition if one is named). */
  matches(ctx: RequestContext, handler: ApiHandler, request: any): boolean {
    if (this.remaining <= 0 || handler.name !== this.spec.api) return false;
    if (this.spec.topic === undefined) return true;
    return namedPartitions(ctx, handler.name, request).some((p) => this.concerns(p.topic, p.partition));
  }

  concerns(topic: string, partition: number | undefined): boolean {
    if (this.spec.topic === undefined) return true;
    return topic === this.spec.topic && (this.spec.partition === undefined || partition === undefined || partition === this.spec.partition);
  }
}

/** The partitions (or, for Metadata and CreateTopics, the topics) a request names. */
function namedPartitions(ctx: RequestContext, api: string, request: any): { topic: string; partition?: number }[] {
  if (isPartitioned(api)) return requestedPartitions(ctx, api, request);
  if (api === "Metadata" || api === "CreateTopics") return (request.topics ?? []).flatMap((t: any) => (t.name ? [{ topic: t.name }] : []));
  return [];
}

export class FaultInjector {
  private faults: Fault[] = [];
  /** Requests held by stopAnswering faults: restore() lets them go on. */
  private readonly held = new Set<() => void>();

  /** Adds a fault; faults apply in the order they were injected, one per request. */
  inject(spec: FaultSpec): InjectedFault {
    const kinds = [spec.error !== undefined, spec.drop === true, spec.stopAnswering === true].filter(Boolean).length;
    if (kinds > 1) throw new Error("a fault answers with an error, drops the connection or stops answering: one of them");
    if (kinds === 0 && spec.latencyMs === undefined) throw new Error("a fault needs error, latencyMs, drop or stopAnswering");
    if (spec.partition !== undefined && spec.topic === undefined) throw new Error("a fault for a partition names its topic too");
    if (spec.error !== undefined && errorCodeOf(spec.error) === undefined) throw new Error(`unknown error code ${spec.error}`);
    if (spec.error !== undefined && !isPartitioned(spec.api) && spec.api !== "Metadata" && !(spec.api in ERROR_RESPONSES)) {
      throw new Error(`errors for ${spec.api} are not supported; supported: Produce, Fetch, ListOffsets, OffsetCommit, Metadata, ${Object.keys(ERROR_RESPONSES).join(", ")}`);
    }
    const fault = new Fault({ ...spec });
    this.faults.push(fault);
    return fault;
  }

  /** Removes every fault and answers the requests held by stopAnswering. */
  restore(): void {
    this.faults = [];
    for (const release of this.held) release();
    this.held.clear();
  }

  readonly interceptor: RequestInterceptor = async (ctx, handler, request, next) => {
    const fault = this.faults.find((f) => f.matches(ctx, handler, request));
    if (!fault) return next(request);
    fault.hits++;
    const { spec } = fault;
    if (spec.latencyMs !== undefined) await sleep(spec.latencyMs, undefined, { signal: ctx.signal }).catch(() => undefined);
    if (ctx.signal.aborted) return null;
    if (spec.drop) {
      ctx.closeAfterResponse();
      return null;
    }
    if (spec.stopAnswering) return this.hold(ctx, () => next(request));
    if (spec.error === undefined) return next(request);
    return this.answerWithError(ctx, handler, request, fault, errorCodeOf(spec.error)!, next);
  };

  private async answerWithError(ctx: RequestContext, handler: ApiHandler, request: any, fault: Fault, errorCode: number, next: (r: unknown) => Promise<unknown>): Promise<unknown> {
    const partitioned = await answerPartitions(ctx, handler.name, request, (t, p) => (fault.concerns(t, p) ? errorCode : undefined), next);
    if (partitioned !== undefined) return partitioned;
    if (handler.name === "Metadata") {
      const response = (await next(request)) as any;
      const topics = response.topics.map((t: any) => (t.name !== null && fault.concerns(t.name, undefined) ? { ...t, errorCode, partitions: [] } : t));
      return { ...response, topics };
    }
    return ERROR_RESPONSES[handler.name](errorCode, request, ctx.apiVersion);
  }

  /** Resolves with nothing when the client goes away, or with the real answer once restore() is called. */
  private hold(ctx: RequestContext, answer: () => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve) => {
      const release = () => {
        ctx.signal.removeEventListener("abort", onAbort);
        this.held.delete(release);
        resolve(answer());
      };
      const onAbort = () => {
        this.held.delete(release);
        resolve(null);
      };
      ctx.signal.addEventListener("abort", onAbort);
      this.held.add(release);
    });
  }
}

function errorCodeOf(error: ErrorName | number): number | undefined {
  if (typeof error === "number") return Number.isInteger(error) ? error : undefined;
  return (ErrorCode as Record<string, number>)[error];
}
