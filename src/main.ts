/**
 * Command line — what your_program.sh and `npx wasm-kafka-broker` run:
 *   node dist/main.js [server.properties] [--port N] [--log-dir D] [--memory] [--verbose]   start the broker (--help)
 *   node dist/main.js format -c server.properties [-t <cluster id>] [--add-scram 'SCRAM-SHA-256=[name=alice,password=secret]']...
 */
import { parseArgs } from "node:util";
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startBroker } from "./index.ts";
import { formatStorage } from "./format.ts";
import { databaseName } from "./storage/postgres/postgres-engine.ts";

const HELP = `Usage: wasm-kafka-broker [server.properties] [options]

Starts a Kafka-compatible broker. Without a properties file: a single-node broker on :9092
with its log in /tmp/kraft-combined-logs.

Options:
  -c, --config <file>    a Kafka server.properties file (the same as giving it first)
  -p, --port <port>      the port of the first listener (0: any free port)
      --host <host>      the address it listens on (default: every interface)
  -d, --log-dir <dir>    where the log lives (log.dirs); repeat for several
  -m, --memory           keep everything in memory: nothing on disk (storage.engine=memory)
      --verbose          debug output
  -h, --help             this text

  wasm-kafka-broker format -c server.properties [-t cluster-id] [--add-scram ...]   prepare log dirs
`;

const FORMAT_USAGE = "usage: format -c server.properties [-t cluster-id] [--add-scram 'SCRAM-SHA-256=[name=...,password=...]']";

const args = process.argv.slice(2);
if (args[0] === "format") await format(args.slice(1));
else await serve(args);

async function serve(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        port: { type: "string", short: "p" },
        host: { type: "string" },
        "log-dir": { type: "string", short: "d", multiple: true },
        memory: { type: "boolean", short: "m" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    return usage(`${(err as Error).message}

${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (positionals.length > 1) return usage(`unexpected argument ${positionals[1]}

${HELP}`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) return usage(`--port ${values.port} is not a port`);
  const config = loadConfig(values.config ?? positionals[0]);
  if (values.verbose) config.verbose = true;
  if (port !== undefined) config.port = port;
  if (values.host !== undefined) config.host = values.host;
  if (values["log-dir"]) config.logDirs = values["log-dir"];
  if (values.memory) config.storageEngine = "memory";
  const log = createLogger(config.verbose);
  try {
    const started = performance.now();
    const running = await startBroker({ ...config, logger: log });
    const storage =
      config.storageEngine === "memory" ? "in memory" : config.storageEngine === "postgres" ? databaseName(config.storagePostgresUrl!) : config.logDirs.join(",");
    log.info(
      `kafka broker ${config.nodeId} listening on ${running.listeners.map((l) => `${l.name}://${l.host}:${l.port}`).join(",")} ` +
        `(codec ${running.broker.codec.kind}, ${storage}, ${Math.round(performance.now() - started)} ms)` +
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
    else return usage(`format: unexpected argument ${args[i]}\n${FORMAT_USAGE}`);
  }
  try {
    const config = loadConfig(propertiesFile);
    const id = await formatStorage(config, { clusterId, addScram });
    process.stdout.write(`Formatted ${config.logDirs.join(",")} with cluster.id ${id}\n`);
  } catch (err) {
    usage(`format: ${(err as Error).message}\n${FORMAT_USAGE}`);
  }
}

function usage(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
