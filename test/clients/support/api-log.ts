// Which API versions a client actually used: every request the broker decodes, by API name.
import type { Broker } from "../../../src/broker.ts";

export interface ApiLog {
  /** API name → the versions requests arrived at. */
  readonly versions: Map<string, Set<number>>;
  /** The highest version of `api` seen, or -1. */
  max(api: string): number;
}

export function logApiVersions(broker: Broker): ApiLog {
  const versions = new Map<string, Set<number>>();
  const get = broker.apis.get.bind(broker.apis);
  broker.apis.get = (apiKey) => {
    const handler = get(apiKey);
    if (!handler) return handler;
    return {
      ...handler,
      decode: (r, version) => {
        const seen = versions.get(handler.name) ?? new Set<number>();
        versions.set(handler.name, seen.add(version));
        return handler.decode(r, version);
      },
    };
  };
  return { versions, max: (api) => Math.max(-1, ...(versions.get(api) ?? [])) };
}
