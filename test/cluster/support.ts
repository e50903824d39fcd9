// In-process brokers sharing a throwaway PostgreSQL: one server per test file (started by the
// suite's beforeAll, stopped with every broker by its afterAll), a fresh database per test.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll } from "vitest";
import { startBroker, type RunningBroker, type StartBrokerOptions } from "../../src/index.ts";
import type { Logger } from "../../src/logger.ts";
import { type LocalPostgres, startLocalPostgres } from "../../scripts/local-postgres.mjs";

type BrokerOptions = Omit<StartBrokerOptions, "nodeId" | "storage" | "logger">;

export interface PostgresCluster {
  /** The errors the brokers logged. */
  readonly errors: string[];
  /** The server (started by the suite's beforeAll). */
  postgres(): LocalPostgres;
  /** A fresh database, for one test. */
  database(): string;
  /** `count` brokers (node ids 1…count) on the database, each registered before the next starts. */
  brokers(url: string, count: number, options?: BrokerOptions): Promise<RunningBroker[]>;
  /** One broker joining the database's cluster: resolves once it is registered. */
  join(url: string, nodeId: number, options?: BrokerOptions): Promise<RunningBroker>;
}

/** Call inside the suite (describeWith), so nothing starts where PostgreSQL is missing. */
export function usePostgresCluster(): PostgresCluster {
  let pg: LocalPostgres | undefined;
  let databases = 0;
  const running: RunningBroker[] = [];
  const errors: string[] = [];
  const logger: Logger = { info: () => {}, debug: () => {}, warn: () => {}, error: (m) => errors.push(m) };
  beforeAll(async () => {
    pg = await startLocalPostgres();
  });
  afterAll(async () => {
    for (const b of running.splice(0)) await b.close().catch(() => undefined);
    pg?.stop();
  });
  const join = async (url: string, nodeId: number, options: BrokerOptions = {}) => {
    const b = await startBroker({ groupInitialRebalanceDelayMs: 0, brokerHeartbeatIntervalMs: 100, ...options, nodeId, storage: { engine: "postgres", url }, logger });
    running.push(b);
    return b;
  };
  return {
    errors,
    postgres: () => pg!,
    database() {
      const name = `cluster_${++databases}`;
      execFileSync("psql", [pg!.url, "-q", "-c", `CREATE DATABASE ${name}`]);
      return pg!.url.replace(/\/postgres$/, `/${name}`);
    },
    async brokers(url, count, options = {}) {
      const started: RunningBroker[] = [];
      for (let nodeId = 1; nodeId <= count; nodeId++) started.push(await join(url, nodeId, options));
      return started;
    },
    join,
  };
}

/** Polls `condition` until it holds, failing with `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
