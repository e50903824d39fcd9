// A broker with one listener of each security protocol on loopback (certificates made at test time):
// SASL_SSL and SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), SSL (server auth only) and MTLS
// (SSL with ssl.client.auth=required), plus each client's settings for them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scramRecordFromArgument } from "../../../src/security/add-scram.ts";
import { startTestBroker, type TestBroker } from "./broker.ts";
import { type Certificates, KEY_PASSWORD, createCertificates } from "./certificates.ts";

export type ListenerName = "SASL_SSL" | "SASL_PLAINTEXT" | "SSL" | "MTLS";
export type Mechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";

/** PLAIN users (sasl.jaas.config); the same names also get SCRAM credentials. */
export const PASSWORDS: Record<string, string> = { admin: "admin-secret", alice: "alice-secret", bob: "bob-secret" };

export interface SecureBroker {
  readonly broker: TestBroker;
  readonly certs: Certificates;
  bootstrap(listener: ListenerName): string;
  /** librdkafka settings (kcat -X, confluent-kafka) for a listener, as `user` when it is a SASL one. */
  librdkafka(listener: ListenerName, user?: string, mechanism?: Mechanism, password?: string): Record<string, string>;
  /** kafka-python's settings for the same. */
  kafkaPython(listener: ListenerName, user?: string, mechanism?: Mechanism, password?: string): Record<string, unknown>;
  dispose(): Promise<void>;
}

export async function startSecureBroker(extraProperties = ""): Promise<SecureBroker> {
  const certs = createCertificates();
  const jaasUsers = Object.entries(PASSWORDS).map(([u, p]) => `user_${u}="${p}"`).join(" ");
  const propertiesFile = join(certs.dir, "server.properties");
  writeFileSync(
    propertiesFile,
    `listeners=SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0
listener.security.protocol.map=SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,MTLS:SSL
ssl.keystore.type=PEM
ssl.keystore.location=${certs.brokerKeystore}
ssl.key.password=${KEY_PASSWORD}
ssl.truststore.type=PEM
ssl.truststore.location=${certs.caPem}
listener.name.mtls.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ${jaasUsers};
connection.failed.authentication.delay.ms=50
${extraProperties}
`,
  );
  const broker = await startTestBroker({ propertiesFile, numPartitions: 1 });
  await broker.running.broker.metadata.append(
    Object.entries(PASSWORDS).flatMap(([name, password]) =>
      ["SCRAM-SHA-256", "SCRAM-SHA-512"].map((m) => ({
        type: "UserScramCredentialRecord" as const,
        record: scramRecordFromArgument(`${m}=[name=${name},password=${password}]`),
      })),
    ),
  );
  const port = (listener: ListenerName) => broker.running.listeners.find((l) => l.name === listener)!.port;
  const tls = (listener: ListenerName) => listener === "SASL_SSL" || listener === "SSL" || listener === "MTLS";
  const sasl = (listener: ListenerName) => listener.startsWith("SASL_");
  return {
    broker,
    certs,
    bootstrap: (listener) => `127.0.0.1:${port(listener)}`,
    librdkafka(listener, user = "alice", mechanism = "SCRAM-SHA-512", password = PASSWORDS[user]) {
      return {
        "security.protocol": listener === "MTLS" ? "SSL" : listener,
        ...(tls(listener) ? { "ssl.ca.location": certs.caPem } : {}),
        ...(listener === "MTLS" ? { "ssl.certificate.location": certs.clientCert, "ssl.key.location": certs.clientKey } : {}),
        ...(sasl(listener) ? { "sasl.mechanism": mechanism, "sasl.username": user, "sasl.password": password } : {}),
      };
    },
    kafkaPython(listener, user = "alice", mechanism = "SCRAM-SHA-512", password = PASSWORDS[user]) {
      return {
        security_protocol: listener === "MTLS" ? "SSL" : listener,
        ...(tls(listener) ? { ssl_cafile: certs.caPem, ssl_check_hostname: false } : {}),
        ...(listener === "MTLS" ? { ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey } : {}),
        ...(sasl(listener) ? { sasl_mechanism: mechanism, sasl_plain_username: user, sasl_plain_password: password } : {}),
      };
    },
    async dispose() {
      try {
        await broker.dispose();
      } finally {
        certs.remove();
      }
    },
  };
}

/** `-X key=value` arguments for kcat. */
export function kcatSettings(settings: Record<string, string>): string[] {
  return Object.entries(settings).flatMap(([k, v]) => ["-X", `${k}=${v}`]);
}
