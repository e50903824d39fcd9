// TLS and SASL listeners with real clients: kcat and confluent-kafka (librdkafka 2.0) over SSL, mTLS,
// SASL_SSL with SCRAM-SHA-512 and -256 and SASL_PLAINTEXT with PLAIN; KafkaJS over SASL_SSL/SCRAM;
// kafka-python 2.0.2 (SaslHandshake v0, raw tokens) over SASL. Wrong passwords, unknown users, bad
// certificates and plaintext clients on TLS ports are refused without the broker serving anything.
import { readFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, Partitioners, type SASLOptions, logLevel } from "kafkajs";
import { type ListenerName, type Mechanism, type SecureBroker, kcatSettings, startSecureBroker } from "./support/secure-broker.ts";
import { run, runOk } from "./support/process.ts";
import { jsonLines } from "./support/python.ts";
import { RawClient } from "../support/raw-client.ts";
import { ApiVersions, Metadata, SaslAuthenticate, SaslHandshake } from "../support/messages.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { ApiKey } from "../../src/protocol/generated/api-keys.ts";
import { PYTHON, describeWith } from "../support/system-clients.ts";

const TIMEOUT_MS = 30_000;
const DRIVER = new URL("./python/security_client.py", import.meta.url).pathname;

let secure: SecureBroker;

beforeAll(async () => {
  secure = await startSecureBroker("connections.max.reauth.ms=60000");
});
afterAll(async () => {
  await secure?.dispose();
});

function kcat(listener: ListenerName, settings: Record<string, string>, args: string[], input?: string) {
  return run("kcat", ["-b", secure.bootstrap(listener), ...kcatSettings(settings), "-m", "10", ...args], { input, timeoutMs: TIMEOUT_MS });
}

async function python(args: string[]): Promise<unknown> {
  const env = { ...process.env, PYTHONUNBUFFERED: "1", PYTHONNOUSERSITE: "1" };
  const { stdout } = await runOk(PYTHON, [DRIVER, ...args], { timeoutMs: 2 * TIMEOUT_MS, env });
  return jsonLines(stdout)[0];
}

const CASES: [ListenerName, Mechanism | undefined][] = [
  ["SSL", undefined],
  ["MTLS", undefined],
  ["SASL_SSL", "SCRAM-SHA-512"],
  ["SASL_SSL", "SCRAM-SHA-256"],
  ["SASL_PLAINTEXT", "PLAIN"],
];

describeWith(["openssl", "kcat"], "kcat", () => {
  it.each(CASES)("produces and consumes over %s %s", async (listener, mechanism) => {
    const topic = `kcat-${listener}-${mechanism ?? "tls"}`;
    const settings = secure.librdkafka(listener, "alice", mechanism);
    const produced = await kcat(listener, settings, ["-P", "-t", topic], "one\ntwo\nthree\n");
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(listener, settings, ["-C", "-t", topic, "-o", "beginning", "-e", "-q"]);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.split("\n").filter(Boolean)).toEqual(["one", "two", "three"]);
  }, 60_000);
});

describeWith(["openssl", "confluent-kafka"], "confluent-kafka", () => {
  it.each(CASES)("produces and consumes over %s %s", async (listener, mechanism) => {
    const topic = `confluent-${listener}-${mechanism ?? "tls"}`;
    const config = JSON.stringify(secure.librdkafka(listener, "bob", mechanism));
    expect(await python(["roundtrip", "confluent", config, secure.bootstrap(listener), topic, "5"])).toEqual(
      ["value-0", "value-1", "value-2", "value-3", "value-4"],
    );
  }, 90_000);
});

describeWith(["openssl", "kafka-python"], "kafka-python 2.0.2 (SaslHandshake v0: raw SASL tokens)", () => {
  it.each([
    ["SASL_PLAINTEXT", "PLAIN"],
    ["SASL_SSL", "SCRAM-SHA-512"],
    ["SASL_PLAINTEXT", "SCRAM-SHA-256"],
  ] as [ListenerName, Mechanism][])("produces and consumes over %s %s", async (listener, mechanism) => {
    const topic = `kafka-python-${listener}-${mechanism}`;
    const config = JSON.stringify(secure.kafkaPython(listener, "alice", mechanism));
    expect(await python(["roundtrip", "kafka-python", config, secure.bootstrap(listener), topic, "3"])).toEqual(["value-0", "value-1", "value-2"]);
  }, 90_000);
});

describeWith(["openssl"], "KafkaJS over SASL_SSL", () => {
  it.each(["scram-sha-512", "scram-sha-256"] as const)("produces and consumes with %s", async (mechanism) => {
    const [host, port] = secure.bootstrap("SASL_SSL").split(":");
    const kafka = new Kafka({
      clientId: "security-test",
      brokers: [`${host}:${port}`],
      ssl: { ca: [readFileSync(secure.certs.caPem, "utf8")] },
      sasl: { mechanism, username: "alice", password: "alice-secret" } as SASLOptions,
      logLevel: logLevel.NOTHING,
    });
    const topic = `kafkajs-${mechanism}`;
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: "a" }, { value: "b" }] });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets.map((o) => o.high)).toEqual(["2"]);
  }, 60_000);

  it("is refused with a wrong password", async () => {
    const kafka = new Kafka({
      brokers: [secure.bootstrap("SASL_SSL")],
      ssl: { ca: [readFileSync(secure.certs.caPem, "utf8")] },
      sasl: { mechanism: "scram-sha-512", username: "alice", password: "wrong" },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await expect(admin.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed|invalid credentials/i);
  }, 30_000);
});

describeWith(["openssl", "confluent-kafka"], "refused without being served", () => {
  const topicsNow = () => secure.broker.running.broker.metadata.topics().map((t) => t.name);

  it.each([
    ["a wrong password", "SASL_SSL", () => ({ ...secureSettings("SASL_SSL")(), "sasl.password": "wrong" })],
    ["an unknown user", "SASL_SSL", () => ({ ...secureSettings("SASL_SSL")(), "sasl.username": "mallory" })],
    ["a wrong PLAIN password", "SASL_PLAINTEXT", () => ({ ...secureSettings("SASL_PLAINTEXT", "PLAIN")(), "sasl.password": "wrong" })],
    ["a certificate from an untrusted CA", "MTLS", () => ({ ...secure.librdkafka("MTLS"), "ssl.certificate.location": secure.certs.strangerCert, "ssl.key.location": secure.certs.strangerKey })],
    ["no client certificate where one is required", "MTLS", () => ({ "security.protocol": "SSL", "ssl.ca.location": secure.certs.caPem })],
    ["a plaintext client on a TLS port", "SSL", () => ({})],
    ["a plaintext client on a SASL port", "SASL_PLAINTEXT", () => ({})],
  ] as [string, ListenerName, () => Record<string, string>][])("%s", async (_name, listener, settings) => {
    const topic = `never-created-${listener}`;
    const result = await kcat(listener, settings(), ["-P", "-t", topic], "x\n");
    expect(result.code).not.toBe(0);
    expect(topicsNow()).not.toContain(topic);
  }, 60_000);

  it("closes a SASL connection that sends anything but ApiVersions and SASL before authenticating", async () => {
    const client = await RawClient.connect(secure.broker.running.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.port);
    const versions = await client.request(ApiVersions.request, ApiVersions.response, 3, { clientSoftwareName: "raw", clientSoftwareVersion: "1" });
    expect(versions.apiKeys.find((k) => k.apiKey === ApiKey.SaslHandshake)).toMatchObject({ minVersion: 0, maxVersion: 1 });
    client.write(client.frame(Metadata.request, 12, { topics: null, allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }));
    expect(await client.readFrame()).toBeNull();
    expect(await client.waitClosed()).toBe(true);
  });

  it("closes on garbage before authentication", async () => {
    const client = await RawClient.connect(secure.broker.running.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.port);
    client.write(Buffer.from([0, 0, 0, 8, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]));
    expect(await client.readFrame()).toBeNull();
  });

  it("answers an unsupported mechanism with the enabled ones, then closes", async () => {
    const client = await saslClient();
    const res = await client.request(SaslHandshake.request, SaslHandshake.response, 1, { mechanism: "GSSAPI" });
    expect(res.errorCode).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    expect(res.mechanisms).toEqual(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]);
    expect(await client.waitClosed()).toBe(true);
  });

  it("answers a failed SaslAuthenticate with SASL_AUTHENTICATION_FAILED and a message, then closes", async () => {
    const client = await saslClient();
    await client.request(SaslHandshake.request, SaslHandshake.response, 1, { mechanism: "PLAIN" });
    const res = await client.request(SaslAuthenticate.request, SaslAuthenticate.response, 2, { authBytes: Buffer.from("\0alice\0wrong") });
    expect(res.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(res.errorMessage).toMatch(/Invalid username or password/);
    expect(await client.waitClosed()).toBe(true);
  });

  it("does not speak Kafka to a client that skips the TLS handshake", async () => {
    const client = await RawClient.connect(secure.broker.running.listeners.find((l) => l.name === "SSL")!.port);
    client.write(client.frame(ApiVersions.request, 3, { clientSoftwareName: "raw", clientSoftwareVersion: "1" }));
    expect(await client.waitClosed()).toBe(true);
  });
});

describeWith(["openssl"], "re-authentication (KIP-368)", () => {
  it("tells the session lifetime and renews the session on the same connection", async () => {
    const client = await saslClient();
    for (let round = 0; round < 2; round++) {
      const handshake = await client.request(SaslHandshake.request, SaslHandshake.response, 1, { mechanism: "PLAIN" });
      expect(handshake.errorCode).toBe(ErrorCode.NONE);
      const auth = await client.request(SaslAuthenticate.request, SaslAuthenticate.response, 1, { authBytes: Buffer.from("\0alice\0alice-secret") });
      expect(auth).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 60000n });
      const meta = await client.request(Metadata.request, Metadata.response, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(meta.brokers).toHaveLength(1);
    }
  });

  it("keeps the principal: re-authenticating as someone else fails", async () => {
    const client = await saslClient();
    await client.request(SaslHandshake.request, SaslHandshake.response, 1, { mechanism: "PLAIN" });
    await client.request(SaslAuthenticate.request, SaslAuthenticate.response, 1, { authBytes: Buffer.from("\0alice\0alice-secret") });
    await client.request(SaslHandshake.request, SaslHandshake.response, 1, { mechanism: "PLAIN" });
    const res = await client.request(SaslAuthenticate.request, SaslAuthenticate.response, 1, { authBytes: Buffer.from("\0bob\0bob-secret") });
    expect(res.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(await client.waitClosed()).toBe(true);
  });
});

describe("mTLS", () => {
  it("verifies the client certificate against the truststore", async () => {
    const port = secure.broker.running.listeners.find((l) => l.name === "MTLS")!.port;
    const socket = tlsConnect({
      port,
      host: "127.0.0.1",
      ca: readFileSync(secure.certs.caPem),
      cert: readFileSync(secure.certs.clientCert),
      key: readFileSync(secure.certs.clientKey),
    });
    await once(socket, "secureConnect");
    expect(socket.authorized).toBe(true);
    socket.destroy();
  });
});

function secureSettings(listener: ListenerName, mechanism: Mechanism = "SCRAM-SHA-512") {
  return () => secure.librdkafka(listener, "alice", mechanism);
}

async function saslClient(): Promise<RawClient> {
  return RawClient.connect(secure.broker.running.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.port);
}
