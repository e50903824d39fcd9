import { describe, expect, it } from "vitest";
import { configFromProperties, parseProperties, DEFAULT_PROPERTIES } from "../src/config.ts";

// The exact file the challenge tester writes (no trailing newline).
const TESTER_PROPERTIES = `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=/tmp/kraft-combined-logs`;

describe("config", () => {
  it("reads the tester's server.properties", () => {
    const c = configFromProperties(parseProperties(TESTER_PROPERTIES));
    expect(c).toMatchObject({ nodeId: 1, host: "", port: 9092, logDirs: ["/tmp/kraft-combined-logs"], codec: "wasm" });
    expect(c.socketRequestMaxBytes).toBe(104857600);
  });

  it("skips the controller listener and honours advertised.listeners", () => {
    const c = configFromProperties(parseProperties(
      "controller.listener.names=CONTROLLER\nlisteners=CONTROLLER://:9093,PLAINTEXT://127.0.0.1:19092\nadvertised.listeners=PLAINTEXT://localhost:29092\n",
    ));
    expect(c).toMatchObject({ host: "127.0.0.1", port: 19092, advertisedHost: "localhost", advertisedPort: 29092 });
  });

  it("has an embedded default for a bare ./your_program.sh", () => {
    expect(configFromProperties(parseProperties(DEFAULT_PROPERTIES))).toMatchObject({ port: 9092, logDirs: ["/tmp/kraft-combined-logs"] });
  });

  it("selects the JS codec from the environment and rejects unknown ones", () => {
    expect(configFromProperties(parseProperties(""), { KAFKA_CODEC: "js" }).codec).toBe("js");
    expect(() => configFromProperties(parseProperties(""), { KAFKA_CODEC: "rust" })).toThrow();
  });
});
