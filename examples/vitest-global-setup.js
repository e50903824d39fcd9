// One broker for the whole test run; its address in KAFKA_BOOTSTRAP for every test file.
// vitest.config.js: export default { test: { globalSetup: ["./vitest-global-setup.js"] } };
import { startBroker } from "wasm-kafka-broker/testing";

let broker;

export async function setup() {
  broker = await startBroker({ storage: "memory" });
  // Set before vitest starts its workers, so each of them inherits it.
  process.env.KAFKA_BOOTSTRAP = broker.bootstrap;
}

export async function teardown() {
  await broker?.close();
}
