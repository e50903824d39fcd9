/** Command line: node dist/main.js [server.properties] — what your_program.sh runs. */
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startBroker } from "./index.ts";

const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const propertiesFile = args.find((a) => !a.startsWith("--"));
const config = loadConfig(propertiesFile);
if (verbose) config.verbose = true;
const log = createLogger(config.verbose);

try {
  const started = performance.now();
  const running = await startBroker({ ...config, logger: log });
  log.info(
    `kafka broker ${config.nodeId} listening on ${running.host}:${running.port} ` +
      `(codec ${running.broker.codec.kind}, ${config.logDirs.join(",")}, ${Math.round(performance.now() - started)} ms)` +
      running.httpAddresses.map((a) => `, console and /metrics on http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}/`).join(""),
  );
  const shutdown = () => void running.close().finally(() => process.exit(0));
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
} catch (err) {
  log.error(`could not start: ${(err as Error).message}`);
  process.exit(1);
}
