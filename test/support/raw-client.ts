// A minimal Kafka client over a raw socket, built on the generated codecs: sends any request
// at any version and decodes the response, so tests can speak the protocol exactly.
import { Socket, connect } from "node:net";
import { once } from "node:events";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { encodeRequestHeader } from "../../src/protocol/generated/request-header.ts";

export interface Message<T> {
  apiKey: number;
  flexibleVersions: number | null;
  encode: (w: Writer, version: number, m: T) => void;
}

export interface ResponseCodec<R> {
  decode: (r: Reader, version: number) => R;
  /** ApiVersions answers with header v0 whatever the version. */
  headerV0?: boolean;
}

export class RawClient {
  /** Received and not yet returned; joined once per frame, so large responses cost no repeated copies. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiters: (() => void)[] = [];
  private correlationId = 1;
  closed = false;
  /** The client_id of the request headers (what client quotas match). */
  clientId = "raw-client";

  private constructor(readonly socket: Socket) {
    socket.on("data", (d) => {
      this.chunks.push(d);
      this.buffered += d.length;
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  static async connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    const socket = connect({ port, host });
    await once(socket, "connect");
    return new RawClient(socket);
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Encodes a request frame (size, header, body). */
  frame<T>(message: Message<T>, version: number, body: T, correlationId = this.correlationId++): Uint8Array {
    const w = new Writer();
    w.int32(0);
    const flexible = message.flexibleVersions !== null && version >= message.flexibleVersions;
    encodeRequestHeader(w, flexible ? 2 : 1, { requestApiKey: message.apiKey, requestApiVersion: version, correlationId, clientId: this.clientId });
    message.encode(w, version, body);
    w.int32At(0, w.pos - 4);
    return w.finish().slice();
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Waits (bounded) for one whole response frame; null if the broker closed the connection. */
  async readFrame(timeoutMs = 5000): Promise<Uint8Array | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const size = this.peekSize();
      if (size !== undefined && this.buffered >= 4 + size) {
        const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
        const rest = all.subarray(4 + size);
        this.chunks = rest.length > 0 ? [rest] : [];
        this.buffered = rest.length;
        return all.subarray(4, 4 + size);
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a response");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private peekSize(): number | undefined {
    if (this.buffered < 4) return undefined;
    if (this.chunks[0].length < 4) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].readInt32BE(0);
  }

  /** Sends a request and decodes its response; returns the correlation id seen too. */
  async request<T, R>(message: Message<T>, response: ResponseCodec<R>, version: number, body: T, timeoutMs = 5000): Promise<R & { correlationId: number }> {
    this.write(this.frame(message, version, body));
    const frame = await this.readFrame(timeoutMs);
    if (!frame) throw new Error("connection closed by the broker");
    return decodeResponse(frame, message, response, version);
  }

  /** Resolves once the broker has closed the connection (bounded). */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function decodeResponse<R>(frame: Uint8Array, message: Pick<Message<unknown>, "flexibleVersions">, response: ResponseCodec<R>, version: number): R & { correlationId: number } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  const flexible = message.flexibleVersions !== null && version >= message.flexibleVersions;
  if (flexible && !response.headerV0) r.taggedFields();
  const decoded = response.decode(r, version);
  if (r.failed) throw new Error("malformed response");
  return { ...decoded, correlationId };
}
