// A loopback port that was free a moment ago (bind to 0, read it, close): for benchmarks, the local
// cluster and the tests, which start brokers and servers on ports of their own.
import { createServer } from "node:net";

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
