// `npx wasm-kafka-broker` (the package's bin): --help lists the options, and the options start a
// broker a client can use — here on any free port with memory storage, writing nothing to disk.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { afterEach, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/wasm-kafka-broker.js", import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it("--help lists the port, log dir, memory storage and properties file options", () => {
  const result = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8", timeout: 10_000 });
  expect(result.status).toBe(0);
  for (const option of ["--port", "--log-dir", "--memory", "--config", "server.properties"]) expect(result.stdout).toContain(option);
});

it("refuses an unknown option with the help text", () => {
  const result = spawnSync(process.execPath, [bin, "--bogus"], { encoding: "utf8", timeout: 10_000 });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/Unknown option '--bogus'[\s\S]*--memory/);
});

it("starts with --memory --port 0 from a properties file, serves a client, and stops on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-"));
  dirs.push(dir);
  const logDir = join(dir, "never-written");
  const properties = join(dir, "server.properties");
  writeFileSync(properties, `node.id=3\nlisteners=PLAINTEXT://127.0.0.1:9092\nlog.dirs=${logDir}\n`);
  const child = spawn(process.execPath, [bin, "--memory", "--port", "0", properties], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const deadline = Date.now() + 15_000;
    while (!/listening on PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start-up line:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(output).toMatch(/kafka broker 3 listening on .* \(codec \w+, in memory, \d+ ms\)\n$/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(output)![1]);
    const admin = new Kafka({ clientId: "cli", brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "from-the-cli" }] });
    expect(await admin.listTopics()).toEqual(["from-the-cli"]);
    await admin.disconnect();
    expect(existsSync(logDir)).toBe(false);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
});
