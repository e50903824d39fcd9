// The quota a (user, client id) gets, in Kafka's order of precedence, and the throttle time Kafka's
// sampled rate gives: the bytes over the bound, as a share of it, times the window they are measured over.
import { describe, expect, it } from "vitest";
import { ClientQuotaManager } from "../../src/quota/client-quota-manager.ts";
import { ClientQuotas, type QuotaEntityPart } from "../../src/storage/client-quotas.ts";

const WINDOW = { quotaWindowNum: 11, quotaWindowSizeSeconds: 1 };

function quotas(...entries: [QuotaEntityPart[], number][]): ClientQuotas {
  const q = new ClientQuotas();
  for (const [entity, value] of entries) q.apply({ entity, key: "producer_byte_rate", value, remove: false });
  return q;
}
const user = (name: string | null): QuotaEntityPart => ({ entityType: "user", entityName: name });
const client = (name: string | null): QuotaEntityPart => ({ entityType: "client-id", entityName: name });

describe("ClientQuotaManager", () => {
  it("throttles by how far over the bound the rate is, measured over at least all samples but the current one", () => {
    const manager = new ClientQuotaManager("producer_byte_rate", quotas([[client("app")], 1000]), WINDOW);
    // 10,000 bytes at once: 1,000 B/s over the 10 s the rate is taken over, at the bound.
    expect(manager.forClient("alice", "app").recordAndGetThrottleTimeMs(10_000, 0)).toBe(0);
    // 10,000 more: 2,000 B/s, twice the bound: wait until the window would make it 1,000 B/s.
    expect(manager.forClient("alice", "app").recordAndGetThrottleTimeMs(10_000, 0)).toBe(10_000);
    // Far over: never longer than the whole window.
    expect(manager.forClient("alice", "app").recordAndGetThrottleTimeMs(1_000_000, 0)).toBe(11_000);
    // Another client id has no quota.
    expect(manager.forClient("alice", "other").recordAndGetThrottleTimeMs(1_000_000, 0)).toBe(0);
  });

  it("forgets bytes older than the window", () => {
    const manager = new ClientQuotaManager("producer_byte_rate", quotas([[client("app")], 1000]), WINDOW);
    expect(manager.forClient("u", "app").recordAndGetThrottleTimeMs(30_000, 0)).toBeGreaterThan(0);
    expect(manager.forClient("u", "app").recordAndGetThrottleTimeMs(1_000, 11_000)).toBe(0);
  });

  it("takes the most specific quota, user before client id, a named entity before a default one", () => {
    const q = quotas(
      [[user("alice"), client("app")], 100],
      [[user("alice")], 1000],
      [[user(null)], 10_000],
      [[client("app")], 100_000],
    );
    // The smallest of the bounds set that a burst of 1.1 times it over the 10 s window goes over.
    const limitOf = (userName: string, clientId: string) =>
      [100, 1000, 10_000, 100_000].find((bound) => new ClientQuotaManager("producer_byte_rate", q, WINDOW).forClient(userName, clientId).recordAndGetThrottleTimeMs(bound * 11, 0) > 0);
    expect(limitOf("alice", "app")).toBe(100);
    expect(limitOf("alice", "other")).toBe(1000);
    expect(limitOf("bob", "app")).toBe(10_000);
    expect(limitOf("carol", "x")).toBe(10_000);
    expect(new ClientQuotaManager("producer_byte_rate", quotas([[client("app")], 100]), WINDOW).forClient("carol", "x").recordAndGetThrottleTimeMs(1 << 30, 0)).toBe(0);
  });

  it("gives each user its own share of a default user quota, and clients of a user quota one share together", () => {
    const manager = new ClientQuotaManager("producer_byte_rate", quotas([[user(null)], 1000], [[user("alice")], 1000]), WINDOW);
    expect(manager.forClient("bob", "a").recordAndGetThrottleTimeMs(10_000, 0)).toBe(0);
    expect(manager.forClient("carol", "a").recordAndGetThrottleTimeMs(10_000, 0)).toBe(0);
    expect(manager.forClient("alice", "one").recordAndGetThrottleTimeMs(10_000, 0)).toBe(0);
    expect(manager.forClient("alice", "two").recordAndGetThrottleTimeMs(10_000, 0)).toBe(10_000);
  });

  it("takes back what a throttled response did not send", () => {
    const manager = new ClientQuotaManager("producer_byte_rate", quotas([[client("app")], 1000]), WINDOW);
    expect(manager.forClient("u", "app").recordAndGetThrottleTimeMs(20_000, 0)).toBe(10_000);
    manager.forClient("u", "app").unrecord(20_000, 0);
    expect(manager.forClient("u", "app").recordAndGetThrottleTimeMs(10_000, 0)).toBe(0);
  });
});
