/** What the request path reports about each request it answered: what metrics are built from. */
import type { ApiHandler } from "../handlers/api.ts";

export interface CompletedRequest {
  readonly handler: ApiHandler;
  readonly apiVersion: number;
  /** The decoded request and the response the handler returned (null when none is sent). */
  readonly request: unknown;
  readonly response: unknown;
  /** From the decoded request to the handler's response, in milliseconds. */
  readonly latencyMs: number;
}

export interface RequestObserver {
  requestCompleted(request: CompletedRequest): void;
}
