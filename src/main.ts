/**
 * Command line — what your_program.sh runs:
 *   node dist/main.js [server.properties] [--verbose]          start the broker
 *   node dist/main.js format -c server.properties [-t <cluster id>] [--add-scram 'SCRAM-SHA-256=[name=alice,password=secret]']...
 */
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startBroker } from "./index.ts";
import { formatStorage } from "./format.ts";

const args = process.argv.slice(2);
if (args[0] === "format") await format(args.slice(1));
else await serve(args);

async function serve(args: string[]): Promise<void> {
  const verbose = args.includes("--verbose");
  const propertiesFile = args.find((a) => !a.startsWith("--"));
  const config = loadConfig(propertiesFile);
  if (verbose) config.verbose = true;
  const log = createLogger(config.verbose);
  try {
    const started = performance.now();
    const running = await startBroker({ ...config, logger: log });
    log.info(
      `kafka broker ${config.nodeId} listening on ${running.listeners.map((l) => `${l.name}://${l.host}:${l.port}`).join(",")} ` +
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
}

async function format(args: string[]): Promise<void> {
  let propertiesFile: string | undefined;
  let clusterId: string | undefined;
  const addScram: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    if ((args[i] === "-c" || args[i] === "--config") && value !== undefined) propertiesFile = args[++i];
    else if ((args[i] === "-t" || args[i] === "--cluster-id") && value !== undefined) clusterId = args[++i];
    else if ((args[i] === "-S" || args[i] === "--add-scram") && value !== undefined) addScram.push(args[++i]);
    else return usage(`format: unexpected argument ${args[i]}`);
  }
  try {
    const config = loadConfig(propertiesFile);
    const id = await formatStorage(config, { clusterId, addScram });
    process.stdout.write(`Formatted ${config.logDirs.join(",")} with cluster.id ${id}\n`);
  } catch (err) {
    usage(`format: ${(err as Error).message}`);
  }
}

function usage(message: string): void {
  process.stderr.write(`${message}\nusage: format -c server.properties [-t cluster-id] [--add-scram 'SCRAM-SHA-256=[name=...,password=...]']\n`);
  process.exit(1);
}
