/** What every API handler provides, and the context it runs in. */
import type { Reader } from "../protocol/reader.ts";
import type { Writer } from "../protocol/writer.ts";
import type { RequestHeader } from "../protocol/generated/request-header.ts";
import type { Broker } from "../broker.ts";
import type { ListenerConfig } from "../security/security-config.ts";
import type { Session } from "../security/session.ts";
import type { ReadBuffers } from "../storage/engine.ts";

export interface RequestContext {
  readonly broker: Broker;
  readonly header: RequestHeader;
  readonly apiVersion: number;
  /** The address this connection reached (what Metadata advertises when nothing else is configured). */
  readonly localAddress: { host: string; port: number };
  /** The client's IP address (IPv4-mapped addresses unmapped), e.g. for DescribeGroups. */
  readonly clientHost: string;
  /** Aborted when the connection closes: a request that waits (a long-polling Fetch) stops waiting. */
  readonly signal: AbortSignal;
  /** Where log reads for the response go: the connection reuses them once the response is written. */
  readonly readBuffers: ReadBuffers;
  /** The listener the request came in on (Metadata answers with its advertised address). */
  readonly listener: ListenerConfig;
  /** Who sent the request, as ACLs name principals: "User:alice", "User:ANONYMOUS". */
  readonly principal: string;
  /** The connection's authentication state (SaslHandshake / SaslAuthenticate act on it). */
  readonly session: Session;
  /**
   * Whether the principal may perform `operation` (AclOperation) on the resource (ResourceType, name);
   * always true without an authorizer. The one check every handler makes, e.g.
   *   if (!ctx.authorize(AclOperation.WRITE, ResourceType.TOPIC, topic)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
   */
  authorize(operation: number, resourceType: number, name: string): boolean;
  /** Whether the principal may perform `operation` on some resource of the type (idempotent producers: Write on any topic). */
  authorizeByResourceType(operation: number, resourceType: number): boolean;
  /** The bit set of operations the principal may perform on the resource, for authorized-operations fields. */
  authorizedOperations(resourceType: number, name: string): number;
  /** The connection closes once this request's response has been sent. */
  closeAfterResponse(): void;
  /** The connection reads no further request for `ms` after this one's response (a client over its quota). */
  throttle(ms: number): void;
}

export interface ApiHandler<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  readonly name: string;
  /** The versions this broker implements and advertises in ApiVersions. */
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version of the request and response (header v2 / v1), null if none. */
  readonly flexibleVersion: number | null;
  decode(r: Reader, version: number): Req;
  encode(w: Writer, version: number, response: Res): void;
  /** Returns the response, or null when none is sent (Produce with acks=0). */
  handle(ctx: RequestContext, request: Req): Res | null | Promise<Res | null>;
}

interface MessageSchema {
  readonly apiKey: number;
  readonly flexibleVersions: number | null;
}

/** `items.map(fn)` for an async `fn`, one item at a time: changes a request asks for are made in its order. */
export async function mapInOrder<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await fn(item));
  return results;
}

/** Builds a handler entry from a generated request schema constant and its codecs. */
export function defineApi<Req, Res>(
  name: string,
  schema: MessageSchema,
  versions: [number, number],
  decode: (r: Reader, version: number) => Req,
  encode: (w: Writer, version: number, response: Res) => void,
  handle: ApiHandler<Req, Res>["handle"],
): ApiHandler<Req, Res> {
  return {
    apiKey: schema.apiKey,
    name,
    minVersion: versions[0],
    maxVersion: versions[1],
    flexibleVersion: schema.flexibleVersions,
    decode,
    encode,
    handle,
  };
}
