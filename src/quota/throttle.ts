/** What Produce and Fetch do with a client's byte-rate quota. */
import type { RequestContext } from "../handlers/api.ts";
import type { ClientQuota, ClientQuotaManager } from "./client-quota-manager.ts";

/** The quota of the request's client: Kafka's quota user is the principal's name ("User:alice" → "alice"). */
export function clientQuota(ctx: RequestContext, quotas: ClientQuotaManager): ClientQuota {
  const colon = ctx.principal.indexOf(":");
  return quotas.forClient(colon < 0 ? ctx.principal : ctx.principal.slice(colon + 1), ctx.header.clientId ?? "");
}

/**
 * Counts `bytes` against the client's quota; over it, the connection reads nothing more until the
 * returned throttle time has passed (Kafka mutes the channel), and the response says so.
 */
export function recordAndThrottle(ctx: RequestContext, quota: ClientQuota, bytes: number): number {
  const throttleTimeMs = quota.recordAndGetThrottleTimeMs(bytes, Date.now());
  if (throttleTimeMs > 0) ctx.throttle(throttleTimeMs);
  return throttleTimeMs;
}
