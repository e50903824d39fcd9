/** What every API handler provides, and the context it runs in. */
import type { Reader } from "../protocol/reader.ts";
import type { Writer } from "../protocol/writer.ts";
import type { RequestHeader } from "../protocol/generated/request-header.ts";
import type { Broker } from "../broker.ts";

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
