// npm test's pre-step, once before the suites: system clients that are missing are installed when this
// can (root on Debian/Ubuntu: one apt-get install of the packages .ci/run names); otherwise each missing
// one is named in one line with the command to run, and its suites are skipped while every other runs.
import { spawnSync } from "node:child_process";
import { installCommand, missingClients, type SystemClient } from "./system-clients.ts";

export interface PrepareOptions {
  env?: NodeJS.ProcessEnv;
  /** Root with apt-get on PATH; CI is. */
  canInstall?: boolean;
  print?: (line: string) => void;
}

export function prepareSystemClients(options: PrepareOptions = {}): SystemClient[] {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  let missing = missingClients(env);
  if (missing.length === 0) return missing;
  if (options.canInstall ?? canAptInstall(env)) {
    print(`test clients missing (${missing.join(", ")}): running ${installCommand()}`);
    const result = spawnSync("sh", ["-c", `apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${installCommand()} -qq`], {
      env,
      stdio: ["ignore", "ignore", "inherit"],
      timeout: 15 * 60_000,
    });
    if (result.status !== 0) print(`apt-get install failed (exit ${result.status ?? result.signal})`);
    missing = missingClients(env);
  }
  for (const client of missing) print(`skipping the ${client} suites: ${client} is not installed (as root: ${installCommand()})`);
  return missing;
}

function canAptInstall(env: NodeJS.ProcessEnv): boolean {
  return process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"], { env, stdio: "ignore" }).status === 0;
}

export default function setup(): void {
  prepareSystemClients();
}
