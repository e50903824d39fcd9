/**
 * One listener's socket: plain TCP, or TLS (SSL, SASL_SSL) set up from the listener's PEM
 * settings. Each accepted connection gets its own Session and Connection.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { Connection } from "./connection.ts";
import type { Broker } from "../broker.ts";
import type { ListenerConfig } from "../security/security-config.ts";
import { tlsServerOptions } from "../security/ssl.ts";

export class TcpServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();

  constructor(broker: Broker, readonly listener: ListenerConfig) {
    const accept = (socket: Socket) => {
      const session = broker.security.newSession(listener, socket);
      if (!session) {
        broker.log.debug(`${listener.name}: closing a TLS connection whose client certificate does not verify`);
        socket.destroy();
        return;
      }
      const connection = new Connection(socket, broker, session);
      this.connections.add(connection);
      socket.on("close", () => this.connections.delete(connection));
    };
    if (listener.ssl) {
      this.server = createTlsServer(tlsServerOptions(listener.ssl), accept);
      // A failed handshake (a plaintext client, a bad certificate) is the client's problem: its socket is already gone.
      this.server.on("tlsClientError", (err) => broker.log.debug(`${listener.name}: TLS handshake failed: ${err.message}`));
    } else {
      this.server = createServer(accept);
    }
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
