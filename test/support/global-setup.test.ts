// The pre-step on a machine without the system clients: it cannot install (no apt-get on PATH), names
// each missing client with the command to run, and a vitest run there skips those suites and runs the rest.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { prepareSystemClients } from "./global-setup.ts";
import { installCommand, SYSTEM_CLIENTS } from "./system-clients.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bare = mkdtempSync(join(tmpdir(), "bare-machine-"));
// A PATH holding only node, and a python3 that has none of the client modules.
const bin = join(bare, "bin");
const python = join(bare, "python3");
mkdirSync(bin);
symlinkSync(process.execPath, join(bin, "node"));
writeFileSync(python, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'kafka'\" >&2\nexit 1\n");
chmodSync(python, 0o755);
const env: NodeJS.ProcessEnv = {
  HOME: bare,
  PATH: bin,
  KAFKA_TEST_PYTHON: python,
  KAFKA_TEST_CHROMIUM: join(bare, "no-chromium"),
  KAFKA_TEST_POSTGRES_BIN: join(bare, "no-postgres"),
  NO_COLOR: "1",
};

afterAll(() => rmSync(bare, { recursive: true, force: true }));

describe("npm test's pre-step on a machine without the system clients", () => {
  it("names every missing client with the exact install command, once each", () => {
    const lines: string[] = [];
    const missing = prepareSystemClients({ env, print: (l) => lines.push(l) });
    expect(missing).toEqual(SYSTEM_CLIENTS);
    expect(lines).toEqual(SYSTEM_CLIENTS.map((c) => `skipping the ${c} suites: ${c} is not installed (as root: ${installCommand()})`));
    expect(installCommand()).toContain("kcat");
  });

  it("skips the client suites and runs the others", async () => {
    const vitest = join(repoRoot, "node_modules", "vitest", "vitest.mjs");
    const files = ["test/clients/kcat.test.ts", "test/clients/kafka-python.test.ts", "test/codec/crc32c.test.ts"];
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(process.execPath, [vitest, "run", "--reporter=verbose", ...files], { cwd: repoRoot, env, timeout: 60_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve({ stdout, stderr }))));
    expect(stderr).toContain(`skipping the kcat suites: kcat is not installed (as root: ${installCommand()})`);
    expect(stdout).toMatch(/kcat \(skipped: kcat not installed/);
    expect(stdout).toMatch(/kafka-python \(skipped: kafka-python not installed/);
    expect(stdout).toMatch(/Tests\s+\d+ passed \| \d+ skipped/);
  });
});
