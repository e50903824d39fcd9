/**
 * The HTTP listener beside the Kafka one (http.listeners): GET /metrics for Prometheus, the
 * console's JSON under /api/, and the console itself (a single-page app built into
 * dist/console/; every other GET path is the page, so deep links and reloads work).
 * Node's own http server on the same event loop: handlers are short and a message page yields
 * between reads, so HTTP never holds up Kafka clients.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { timingSafeEqual } from "node:crypto";
import type { Broker } from "../broker.ts";
import type { HttpListener } from "../config.ts";
import { BrokerMetrics } from "./broker-metrics.ts";
import { ThroughputHistory } from "./throughput-history.ts";
import { consoleApi, type ConsoleContext } from "./console-api.ts";

const MAX_BODY_BYTES = 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

export interface HttpListeners {
  readonly addresses: AddressInfo[];
  close(): Promise<void>;
}

export async function startHttpListeners(broker: Broker, kafkaAddress: { host: string; port: number }): Promise<HttpListeners> {
  // Off (and no metrics kept) unless configured: the tester's brokers and in-process ones pay nothing.
  if (broker.config.httpListeners.length === 0) return { addresses: [], close: async () => {} };
  const metrics = new BrokerMetrics(broker);
  broker.requestObservers.add(metrics);
  const throughput = new ThroughputHistory(metrics.throughput);
  const root = packageRoot();
  const context: ConsoleContext = { broker, kafkaAddress, version: packageVersion(root), startedAtMs: Date.now(), throughput };
  const assets = consoleAssets(join(root, "dist", "console"));
  const authorized = authorizer(broker.config.httpAuthToken, broker.config.httpBasicAuthUserInfo);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch((err: Error) => {
      broker.log.error(`HTTP ${req.method} ${req.url} failed: ${err.stack ?? err}`);
      if (!res.headersSent) send(res, 500, "text/plain", "internal error\n");
      else res.destroy();
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!authorized(req.headers.authorization)) {
      res.writeHead(401, { "www-authenticate": broker.config.httpBasicAuthUserInfo ? 'Basic realm="kafka broker"' : "Bearer" });
      res.end("authentication required\n");
      return;
    }
    if (url.pathname === "/metrics" && req.method === "GET") {
      send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
    } else if (url.pathname === "/api" || url.pathname.startsWith("/api/")) {
      const body = req.method === "POST" ? await readJson(req) : undefined;
      const answer = body === INVALID_BODY
        ? { status: 400, body: { error: "the body must be JSON, at most 1 MiB" } }
        : await consoleApi(context, req.method ?? "GET", url, body);
      send(res, answer.status, "application/json", `${JSON.stringify(answer.body, null, 2)}\n`);
    } else if (req.method === "GET" || req.method === "HEAD") {
      const asset = url.pathname.startsWith("/assets/") ? assets.get(url.pathname.slice("/assets/".length)) : assets.get("index.html");
      if (!asset) send(res, assets.size === 0 ? 503 : 404, "text/plain", assets.size === 0 ? "console not built: run npm run build\n" : "not found\n");
      else send(res, 200, asset.type, asset.bytes);
    } else {
      send(res, 405, "text/plain", "method not allowed\n");
    }
  }

  const servers: Server[] = [];
  const addresses: AddressInfo[] = [];
  const close = async () => {
    broker.requestObservers.delete(metrics);
    throughput.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => {
      s.close(resolve);
      s.closeAllConnections();
    })));
  };
  try {
    for (const listener of broker.config.httpListeners) {
      const server = createServer(handle);
      servers.push(server);
      addresses.push(await listen(server, listener));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { addresses, close };
}

function listen(server: Server, { host, port }: HttpListener): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: host || undefined, port }, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const INVALID_BODY = Symbol("invalid body");

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return INVALID_BODY;
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return INVALID_BODY;
  }
}

/** http.auth.token (Bearer) and http.auth.basic.user.info (Basic); with neither set, every request is let in. */
function authorizer(token: string | undefined, basicUserInfo: string | undefined): (header: string | undefined) => boolean {
  const accepted = [
    ...(token ? [`Bearer ${token}`] : []),
    ...(basicUserInfo ? [`Basic ${Buffer.from(basicUserInfo).toString("base64")}`] : []),
  ].map((h) => Buffer.from(h));
  if (accepted.length === 0) return () => true;
  return (header) => {
    const given = Buffer.from(header ?? "");
    return accepted.some((a) => a.length === given.length && timingSafeEqual(a, given));
  };
}

/** The directory holding package.json: the repo root both for dist/main.js and for src/http/ under the tests. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function packageVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The built console's files, read once (they are small); empty when the console was not built. */
function consoleAssets(dir: string): Map<string, { type: string; bytes: Buffer }> {
  const assets = new Map<string, { type: string; bytes: Buffer }>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[name.slice(name.lastIndexOf("."))];
    if (type) assets.set(name, { type, bytes: readFileSync(join(dir, name)) });
  }
  return assets;
}
