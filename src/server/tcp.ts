/** The listening socket: accepts connections and hands each to its own Connection. */
import { createServer, type AddressInfo, type Server } from "node:net";
import { Connection } from "./connection.ts";
import type { Broker } from "../broker.ts";

export class TcpServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();

  constructor(broker: Broker) {
    this.server = createServer((socket) => {
      const connection = new Connection(socket, broker);
      this.connections.add(connection);
      socket.on("close", () => this.connections.delete(connection));
    });
  }

  /** Resolves once listening; an empty host listens on every interface (IPv4 and IPv6). */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host: host || undefined, port }, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  close(): Promise<void> {
    for (const c of this.connections) c.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
