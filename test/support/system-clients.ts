// The system clients some suites drive (Debian packages, not npm ones), found the way those suites run
// them. Where one is missing its suites are skipped, and the pre-step (test/support/global-setup.ts)
// either installs the packages (as root, with apt-get) or prints the one command that would.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe } from "vitest";
import { postgresBinDir } from "../../scripts/local-postgres.mjs";

/** Debian's interpreter, where python3-confluent-kafka and python3-kafka live (pyenv's python3 has neither). */
export const PYTHON = process.env.KAFKA_TEST_PYTHON ?? "/usr/bin/python3";
export const CHROMIUM = process.env.KAFKA_TEST_CHROMIUM ?? "/usr/bin/chromium";

export type SystemClient = "kcat" | "confluent-kafka" | "kafka-python" | "chromium" | "postgresql" | "openssl";

const checks: Record<SystemClient, (env: NodeJS.ProcessEnv) => boolean> = {
  kcat: (env) => onPath("kcat", env.PATH ?? ""),
  "confluent-kafka": (env) => pythonImports(env.KAFKA_TEST_PYTHON ?? PYTHON, "confluent_kafka"),
  "kafka-python": (env) => pythonImports(env.KAFKA_TEST_PYTHON ?? PYTHON, "kafka"),
  chromium: (env) => existsSync(env.KAFKA_TEST_CHROMIUM ?? CHROMIUM),
  openssl: (env) => onPath("openssl", env.PATH ?? ""),
  postgresql: (env) => existsSync(join(env.KAFKA_TEST_POSTGRES_BIN ?? postgresBinDir() ?? "/nonexistent", "pg_ctl")),
};

export const SYSTEM_CLIENTS = Object.keys(checks) as SystemClient[];

/** The packages .ci/run installs (its PACKAGES line), which the pre-step installs too. */
export function systemPackages(): string[] {
  const ciRun = readFileSync(new URL("../../.ci/run", import.meta.url), "utf8");
  const line = /^PACKAGES="([^"]*)"$/m.exec(ciRun);
  if (!line) throw new Error(".ci/run has no PACKAGES line");
  return line[1].split(" ").filter(Boolean);
}

export function installCommand(): string {
  return `apt-get install -y --no-install-recommends ${systemPackages().join(" ")}`;
}

export function missingClients(env: NodeJS.ProcessEnv = process.env): SystemClient[] {
  return SYSTEM_CLIENTS.filter((c) => !checks[c](env));
}

const missingHere = new Set(missingClients());

/** `describe`, skipped (with the reason in its name) when one of `clients` is not installed; the pre-step names the command. */
export function describeWith(clients: SystemClient[], name: string, body: () => void): void {
  const missing = clients.filter((c) => missingHere.has(c));
  if (missing.length === 0) describe(name, body);
  else describe.skip(`${name} (skipped: ${missing.join(", ")} not installed)`, body);
}

function onPath(command: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function pythonImports(python: string, module: string): boolean {
  return spawnSync(python, ["-c", `import ${module}`], { stdio: "ignore", timeout: 10_000 }).status === 0;
}
