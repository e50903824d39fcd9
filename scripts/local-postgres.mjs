// A throwaway PostgreSQL server for tests, benchmarks and `npm run cluster`: initdb into a temp dir,
// pg_ctl on a loopback port, removed on stop. Debian's postgresql package (no Docker). PostgreSQL
// refuses to run as root, so as root the server runs as the `postgres` user the package creates.
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { freePort } from "./free-port.mjs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"];

/** The directory holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function postgresBinDir() {
  return BIN_DIRS.find((dir) => existsSync(join(dir, "pg_ctl")));
}


/** Starts a server; resolves to { url, port, dataDir, stop(), kill() }. */
export async function startLocalPostgres({ port } = {}) {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed (Debian: apt-get install postgresql)");
  const root = mkdtempSync(join(tmpdir(), "kafka-pg-"));
  const dataDir = join(root, "data");
  const asRoot = process.getuid?.() === 0;
  const run = (tool, args) => {
    const argv = asRoot ? ["-u", "postgres", "--", join(bin, tool), ...args] : args;
    execFileSync(asRoot ? "runuser" : join(bin, tool), argv, { stdio: ["ignore", "ignore", "pipe"], cwd: root });
  };
  if (asRoot) chownSync(root, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
  run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const listenPort = port ?? (await freePort());
  const options = `-c listen_addresses=127.0.0.1 -p ${listenPort} -k ${root} -c max_connections=200`;
  const start = () => run("pg_ctl", ["-D", dataDir, "-o", options, "-l", join(root, "server.log"), "-w", "start"]);
  start();
  const pgCtl = (mode) => run("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "stop"]);
  return {
    url: `postgres://postgres@127.0.0.1:${listenPort}/postgres`,
    port: listenPort,
    dataDir,
    /** Stops the server (fast shutdown) and leaves its data, so `start` brings the same database back. */
    pause: () => pgCtl("fast"),
    start,
    /** Stops the server and removes its files. */
    stop() {
      try {
        pgCtl("immediate");
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
