/** What Produce and Fetch do with a client's byte-rate quota. */
import type { RequestContext } from "../handlers/api.ts";
import type { ClientQuotaManager } from "./client-quota-manager.ts";

/** Kafka's quota user is the principal's name ("User:alice" → "alice"). */
function quotaUser(principal: string): string {
  const colon = principal.indexOf(":");
  return colon < 0 ? principal : principal.slice(colon + 1);
}

/**
 * Counts `bytes` against the client's quota; over it, the connection reads nothing more until the
 * returned throttle time has passed (Kafka mutes the channel), and the response says so.
 */
export function recordAndThrottle(ctx: RequestContext, quotas: ClientQuotaManager, bytes: number): number {
  const throttleTimeMs = quotas.recordAndGetThrottleTimeMs(quotaUser(ctx.principal), ctx.header.clientId ?? "", bytes, Date.now());
  if (throttleTimeMs > 0) ctx.throttle(throttleTimeMs);
  return throttleTimeMs;
}

/** The most record bytes one Fetch may carry under the client's quota. */
export function maxBytesInQuotaWindow(ctx: RequestContext, quotas: ClientQuotaManager): number {
  return quotas.maxValueInQuotaWindow(quotaUser(ctx.principal), ctx.header.clientId ?? "");
}

/** A throttled Fetch is answered without its records, which then do not count. */
export function unrecord(ctx: RequestContext, quotas: ClientQuotaManager, bytes: number): void {
  quotas.unrecord(quotaUser(ctx.principal), ctx.header.clientId ?? "", bytes, Date.now());
}
