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

  it("serves HTTP on loopback in the embedded mode only, unless http.listeners says where", () => {
    expect(configFromProperties(parseProperties(DEFAULT_PROPERTIES)).httpListeners).toEqual([{ host: "127.0.0.1", port: 9644 }]);
    expect(configFromProperties(parseProperties(TESTER_PROPERTIES)).httpListeners).toEqual([]);
    const c = configFromProperties(parseProperties("http.listeners=http://[::1]:9644,http://:9645\nhttp.auth.token=t\n"));
    expect(c).toMatchObject({ httpListeners: [{ host: "::1", port: 9644 }, { host: "", port: 9645 }], httpAuthToken: "t" });
    expect(() => configFromProperties(parseProperties("http.listeners=https://localhost:9644"))).toThrow(/http:\/\/host:port/);
  });

  it("picks the storage engine from storage.engine (files by default) and rejects unknown ones", () => {
    expect(configFromProperties(parseProperties("")).storageEngine).toBe("files");
    expect(configFromProperties(parseProperties("storage.engine=memory")).storageEngine).toBe("memory");
    expect(() => configFromProperties(parseProperties("storage.engine=cassandra"))).toThrow(/storage.engine/);
  });

  it("selects the JS codec from the environment and rejects unknown ones", () => {
    expect(configFromProperties(parseProperties(""), { KAFKA_CODEC: "js" }).codec).toBe("js");
    expect(() => configFromProperties(parseProperties(""), { KAFKA_CODEC: "rust" })).toThrow();
  });
});
