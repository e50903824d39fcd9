// SCRAM credentials: created with AlterUserScramCredentials (salt and salted password, as admin
// clients send them), used at once by kcat, still valid after a restart, removed again; the
// password is in no file under log.dirs. Also `format --add-scram` before the first start.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PASSWORDS, type SecureBroker, kcatSettings, startSecureBroker } from "./support/secure-broker.ts";
import { run } from "./support/process.ts";
import { plainClient } from "./support/sasl-raw.ts";
import { AlterUserScramCredentials, DescribeUserScramCredentials } from "../support/messages.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { startBroker } from "../../src/index.ts";
import { silentLogger } from "../../src/logger.ts";
import { repoRoot } from "../helpers/broker-process.ts";
import { describeWith } from "../support/system-clients.ts";

const SHA512 = 2;
const PASSWORD = "carol-Secret-7f3a";
let secure: SecureBroker;

beforeAll(async () => {
  secure = await startSecureBroker("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nsuper.users=User:admin;User:carol");
});
afterAll(async () => {
  await secure?.dispose();
});

const saslPort = () => secure.broker.running.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.port;

function kcatAs(user: string, password: string, topic: string) {
  const settings = secure.librdkafka("SASL_SSL", user, "SCRAM-SHA-512", password);
  return run("kcat", ["-b", secure.bootstrap("SASL_SSL"), ...kcatSettings(settings), "-m", "10", "-P", "-t", topic], { input: "hi\n", timeoutMs: 30_000 });
}

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describeWith(["openssl", "kcat"], "AlterUserScramCredentials", () => {
  it("creates a credential that works at once and after a restart, and stores no password", async () => {
    const salt = randomBytes(24);
    const admin = await plainClient(saslPort(), "admin", PASSWORDS.admin);
    const upsert = await admin.request(AlterUserScramCredentials.request, AlterUserScramCredentials.response, 0, {
      deletions: [],
      upsertions: [{ name: "carol", mechanism: SHA512, iterations: 8192, salt, saltedPassword: pbkdf2Sync(PASSWORD, salt, 8192, 64, "sha512") }],
    });
    expect(upsert.results).toEqual([{ user: "carol", errorCode: ErrorCode.NONE, errorMessage: null }]);
    admin.close();

    const first = await kcatAs("carol", PASSWORD, "carol-topic");
    expect(first.code, first.stderr).toBe(0);
    expect((await kcatAs("carol", "not-it", "carol-topic")).code).not.toBe(0);

    await secure.broker.restart();
    const again = await kcatAs("carol", PASSWORD, "carol-topic");
    expect(again.code, again.stderr).toBe(0);

    for (const file of files(secure.broker.logDir)) expect(readFileSync(file).includes(PASSWORD), file).toBe(false);

    const described = await plainClient(saslPort(), "admin", PASSWORDS.admin);
    const res = await described.request(DescribeUserScramCredentials.request, DescribeUserScramCredentials.response, 0, { users: [{ name: "carol" }, { name: "nobody" }] });
    expect(res.results).toEqual([
      { user: "carol", errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: [{ mechanism: SHA512, iterations: 8192 }] },
      { user: "nobody", errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: expect.any(String), credentialInfos: [] },
    ]);
    described.close();
  }, 120_000);

  it("refuses too few iterations, unknown deletions, and principals without Alter on the cluster", async () => {
    const admin = await plainClient(saslPort(), "admin", PASSWORDS.admin);
    const res = await admin.request(AlterUserScramCredentials.request, AlterUserScramCredentials.response, 0, {
      deletions: [{ name: "ghost", mechanism: SHA512 }],
      upsertions: [{ name: "dave", mechanism: SHA512, iterations: 1000, salt: randomBytes(8), saltedPassword: randomBytes(64) }],
    });
    expect(res.results.map((r) => [r.user, r.errorCode])).toEqual([
      ["ghost", ErrorCode.RESOURCE_NOT_FOUND],
      ["dave", ErrorCode.UNACCEPTABLE_CREDENTIAL],
    ]);
    admin.close();
    const bob = await plainClient(saslPort(), "bob", PASSWORDS.bob);
    const refused = await bob.request(AlterUserScramCredentials.request, AlterUserScramCredentials.response, 0, { deletions: [{ name: "alice", mechanism: SHA512 }], upsertions: [] });
    expect(refused.results).toEqual([{ user: "alice", errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null }]);
    bob.close();
  });

  it("removes a credential: the user can no longer authenticate", async () => {
    const admin = await plainClient(saslPort(), "admin", PASSWORDS.admin);
    const res = await admin.request(AlterUserScramCredentials.request, AlterUserScramCredentials.response, 0, { deletions: [{ name: "alice", mechanism: SHA512 }], upsertions: [] });
    expect(res.results[0].errorCode).toBe(ErrorCode.NONE);
    admin.close();
    expect((await kcatAs("alice", PASSWORDS.alice, "alice-topic")).code).not.toBe(0);
  }, 60_000);
});

describeWith(["openssl", "kcat"], "format --add-scram", () => {
  it("adds SCRAM users before the first start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "broker-format-"));
    try {
      const properties = join(dir, "server.properties");
      const logDir = join(dir, "logs");
      writeFileSync(properties, `listeners=SASL_PLAINTEXT://127.0.0.1:0\nsasl.enabled.mechanisms=SCRAM-SHA-256\nlog.dirs=${logDir}\n`);
      const out = execFileSync(process.execPath, [join(repoRoot, "dist/main.js"), "format", "-c", properties, "-t", "Q8VbStP0RIWqOSyh8sBr1A",
        "--add-scram", "SCRAM-SHA-256=[name=erin,password=erin-secret]"], { encoding: "utf8" });
      expect(out).toContain("cluster.id Q8VbStP0RIWqOSyh8sBr1A");
      for (const file of files(logDir)) expect(readFileSync(file).includes("erin-secret"), file).toBe(false);
      const running = await startBroker({ propertiesFile: properties, logger: silentLogger });
      try {
        const settings = { "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-256", "sasl.username": "erin", "sasl.password": "erin-secret" };
        const listed = await run("kcat", ["-b", `127.0.0.1:${running.port}`, ...kcatSettings(settings), "-m", "10", "-L"], { timeoutMs: 30_000 });
        expect(listed.code, listed.stderr).toBe(0);
        expect(running.broker.clusterId).toBe("Q8VbStP0RIWqOSyh8sBr1A");
      } finally {
        await running.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
