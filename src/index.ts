/**
 * Start a Kafka-compatible broker in-process:
 *
 *   const broker = await startBroker({ port: 0, logDirs: [dir] });
 *   // ... connect any Kafka client to `localhost:${broker.port}` ...
 *   await broker.close();
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrokerConfig, configFromProperties, parseProperties } from "./config.ts";
import { createLogger, type Logger } from "./logger.ts";
import { loadCodec } from "./codec/index.ts";
import type { Codec } from "./codec/types.ts";
import { Broker, type BoundListener } from "./broker.ts";
import type { StorageEngine, StorageEngineName } from "./storage/engine.ts";
import { FilesEngine } from "./storage/files-engine.ts";
import { hasCompactPolicy } from "./storage/log-config.ts";
import { startHttpListeners } from "./http/http-listener.ts";
import { MemoryEngine } from "./storage/memory-engine.ts";
import { PostgresEngine } from "./storage/postgres/postgres-engine.ts";

export type { BrokerConfig } from "./config.ts";
export { loadConfig } from "./config.ts";

export interface StartBrokerOptions extends Partial<BrokerConfig> {
  /** A server.properties file; explicit options override what it says. */
  propertiesFile?: string;
  /** server.properties entries by Kafka's names (e.g. `"log.retention.check.interval.ms": "100"`), over the file's. */
  properties?: Record<string, string>;
  logger?: Logger;
  /**
   * "files" (log.dirs), "memory" (nothing on disk), `{ engine: "postgres", url }`, or an engine
   * instance other brokers share; overrides storage.engine.
   */
  storage?: StorageEngineName | { engine: "postgres"; url: string } | StorageEngine;
}

export interface RunningBroker {
  /** Where the first listener listens. */
  readonly host: string;
  readonly port: number;
  /** Every listener, in the order `listeners` names them. */
  readonly listeners: BoundListener[];
  readonly broker: Broker;
  /** Where http.listeners are bound (metrics, console, /api); empty when none is configured. */
  readonly httpAddresses: AddressInfo[];
  close(): Promise<void>;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const { propertiesFile, properties, logger, storage: storageOption, ...overrides } = options;
  const props = parseProperties(propertiesFile ? readFileSync(propertiesFile, "utf8") : "");
  for (const [name, value] of Object.entries(properties ?? {})) props.set(name, value);
  // In-process brokers default to a free loopback port; a properties file says where to listen.
  const base = propertiesFile ? configFromProperties(props, {}) : { ...configFromProperties(props, {}), host: "127.0.0.1", port: 0 };
  const config: BrokerConfig = { ...base, ...overrides };
  if (typeof storageOption === "string") config.storageEngine = storageOption;
  if (typeof storageOption === "object" && "engine" in storageOption) Object.assign(config, { storageEngine: storageOption.engine, storagePostgresUrl: storageOption.url });
  const log = logger ?? createLogger(config.verbose);
  const codec = await loadCodecOrFallback(config.codec, log);
  // Without a log dir of its own, an in-process broker gets a fresh one, removed when it closes.
  const tempLogDir =
    !propertiesFile && !overrides.logDirs && storageOption === undefined && config.storageEngine === "files"
      ? mkdtempSync(join(tmpdir(), "wasm-kafka-broker-"))
      : undefined;
  if (tempLogDir) config.logDirs = [tempLogDir];
  const removeTempLogDir = () => tempLogDir && rmSync(tempLogDir, { recursive: true, force: true });
  let broker: Broker | undefined;
  try {
    const storage = typeof storageOption === "object" && "getLog" in storageOption ? storageOption : await openStorage(config, codec, log);
    broker = await Broker.open(config, codec, log, storage);
    let registered: (() => void) | undefined;
    if (storage.registerBroker) broker.holdRequestsUntil(new Promise<void>((resolve) => (registered = resolve)));
    const listeners = await broker.listen();
    const { host, port } = listeners[0];
    if (storage.registerBroker) {
      // A cluster advertises each broker's first listener.
      const self = { nodeId: config.nodeId, ...broker.advertisedAddress(config.listeners[0], { host, port }), rack: null };
      const lease = { leaseMs: config.brokerSessionTimeoutMs, renewMs: config.brokerHeartbeatIntervalMs };
      broker.registry = await storage.registerBroker(self, lease, (err) => log.error(`could not renew the broker lease: ${err.message}`));
      registered!();
    }
    const http = await startHttpListeners(broker, { host, port });
    const running = broker;
    const close = async () => {
      await http.close();
      await running.close();
      removeTempLogDir();
    };
    return { host, port, listeners, broker, httpAddresses: http.addresses, close };
  } catch (err) {
    await broker?.close();
    removeTempLogDir();
    throw err;
  }
}

async function openStorage(config: BrokerConfig, codec: Codec, log: Logger): Promise<StorageEngine> {
  if (config.storageEngine === "memory") return new MemoryEngine(codec, config.logRetentionCheckIntervalMs);
  if (config.storageEngine === "postgres") {
    if (!config.storagePostgresUrl) throw new Error("storage.engine=postgres needs storage.postgres.url");
    return PostgresEngine.open({ url: config.storagePostgresUrl, codec, retentionCheckIntervalMs: config.logRetentionCheckIntervalMs, log });
  }
  return FilesEngine.open({
    logDirs: config.logDirs,
    nodeId: config.nodeId,
    codec,
    retentionCheckIntervalMs: config.logRetentionCheckIntervalMs,
    recoveryPointCheckpointIntervalMs: config.logFlushOffsetCheckpointIntervalMs,
    cleaner: config.logCleanerEnable
      ? {
          backoffMs: config.logCleanerBackoffMs,
          dedupeBufferSize: config.logCleanerDedupeBufferSize,
          // Every log whose cleanup.policy includes compact (__consumer_offsets always has it), with its topic's settings.
          compactionOf: (_topic, log) => (hasCompactPolicy(log.config) ? log.config : undefined),
          warn: (message) => log.error(message),
        }
      : undefined,
    log,
  });
}

/** WASM by default; if it cannot be instantiated (e.g. under a tight RLIMIT_AS) the JS twin serves. */
async function loadCodecOrFallback(kind: "wasm" | "js", log: Logger): Promise<Codec> {
  if (kind === "js") return loadCodec("js");
  try {
    return await loadCodec("wasm");
  } catch (err) {
    log.error(`WASM codec unavailable (${(err as Error).message}); using the JS codec`);
    return loadCodec("js");
  }
}
