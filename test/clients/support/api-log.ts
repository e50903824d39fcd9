// Which API versions a client actually used: every request the broker decodes, by API name.
import type { Broker } from "../../../src/broker.ts";

export interface ApiLog {
  /** API name → the versions requests arrived at. */
  readonly versions: Map<string, Set<number>>;
  /** API name → how many requests arrived. */
  readonly counts: Map<string, number>;
  /** The highest version of `api` seen, or -1. */
  max(api: string): number;
}

export function logApiVersions(broker: Broker): ApiLog {
  const versions = new Map<string, Set<number>>();
  const counts = new Map<string, number>();
  const get = broker.apis.get.bind(broker.apis);
  broker.apis.get = (apiKey) => {
    const handler = get(apiKey);
    if (!handler) return handler;
    return {
      ...handler,
      decode: (r, version) => {
        const seen = versions.get(handler.name) ?? new Set<number>();
        versions.set(handler.name, seen.add(version));
        counts.set(handler.name, (counts.get(handler.name) ?? 0) + 1);
        return handler.decode(r, version);
      },
    };
  };
  return { versions, counts, max: (api) => Math.max(-1, ...(versions.get(api) ?? [])) };
}
