/**
 * One client connection: frames in, responses out, strictly in request order. Requests are
 * handled one at a time, as Kafka does (a pipelined request waits for the one before it).
 */
import type { Socket } from "node:net";
import { Framer, FrameSizeError } from "./framer.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { decodeRequestHeader } from "../protocol/generated/request-header.ts";
import { encodeResponseHeader } from "../protocol/generated/response-header.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { ApiKey } from "../protocol/generated/api-keys.ts";
import type { ApiHandler, RequestContext } from "../handlers/api.ts";
import type { Broker } from "../broker.ts";

export class Connection {
  private readonly framer: Framer;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly aborted = new AbortController();

  constructor(
    private readonly socket: Socket,
    private readonly broker: Broker,
  ) {
    this.framer = new Framer(broker.config.socketRequestMaxBytes);
    socket.setNoDelay(true);
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", () => this.close());
    socket.on("close", () => this.close());
  }

  private onData(chunk: Uint8Array): void {
    let frames: Uint8Array[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      if (!(err instanceof FrameSizeError)) throw err;
      this.broker.log.debug(`closing connection: ${err.message}`);
      return this.close();
    }
    for (const frame of frames) this.queue = this.queue.then(() => this.process(frame));
  }

  private async process(frame: Uint8Array): Promise<void> {
    if (this.closed) return;
    try {
      const response = await this.handle(frame);
      if (response && !this.closed) this.socket.write(response);
    } catch (err) {
      this.broker.log.error(`request failed, closing connection: ${(err as Error).stack ?? err}`);
      this.close();
    }
  }

  /** Returns the response bytes, null for no response; closes the connection on a malformed request. */
  private async handle(frame: Uint8Array): Promise<Uint8Array | null> {
    const r = new Reader(frame);
    const apiKey = r.int16();
    const apiVersion = r.int16();
    const correlationId = r.int32();
    const handler = this.broker.apis.get(apiKey);
    if (r.failed || !handler) return this.reject(`unknown api key ${apiKey}`);
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      // Kafka answers an ApiVersions it cannot parse in the v0 layout so any client can read it.
      if (apiKey === ApiKey.ApiVersions) return unsupportedApiVersions(correlationId, handler);
      return this.reject(`unsupported version ${apiVersion} of api key ${apiKey}`);
    }
    const flexible = handler.flexibleVersion !== null && apiVersion >= handler.flexibleVersion;
    r.pos = 0;
    const header = decodeRequestHeader(r, flexible ? 2 : 1);
    const request = handler.decode(r, apiVersion);
    if (r.failed) return this.reject(`malformed ${handler.name} v${apiVersion} request`);
    const address = this.socket.address();
    const ctx: RequestContext = {
      broker: this.broker,
      header,
      apiVersion,
      localAddress: { host: unmapIpv4("address" in address ? address.address : "127.0.0.1"), port: "port" in address ? address.port : 0 },
      clientHost: unmapIpv4(this.socket.remoteAddress ?? ""),
      signal: this.aborted.signal,
    };
    const response = await handler.handle(ctx, request);
    if (response === null) return null;
    return encodeResponse(handler, apiVersion, correlationId, response, flexible);
  }

  private reject(reason: string): null {
    this.broker.log.debug(`closing connection: ${reason}`);
    this.close();
    return null;
  }

  close(): void {
    this.closed = true;
    this.aborted.abort();
    this.socket.destroy();
  }
}

function encodeResponse(handler: ApiHandler, version: number, correlationId: number, response: unknown, flexible: boolean): Uint8Array {
  const w = new Writer(512);
  w.int32(0);
  // ApiVersions responses always use header v0, so a client can parse them before it knows versions.
  const headerVersion = flexible && handler.apiKey !== ApiKey.ApiVersions ? 1 : 0;
  encodeResponseHeader(w, headerVersion, { correlationId });
  handler.encode(w, version, response);
  w.int32At(0, w.pos - 4);
  return w.finish();
}

function unsupportedApiVersions(correlationId: number, handler: ApiHandler): Uint8Array {
  return encodeResponse(handler, 0, correlationId, {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: [{ apiKey: handler.apiKey, minVersion: handler.minVersion, maxVersion: handler.maxVersion }],
  }, false);
}

/** "::ffff:127.0.0.1" (IPv4 on a dual-stack socket) is the IPv4 address, as clients know it. */
function unmapIpv4(host: string): string {
  return host.startsWith("::ffff:") ? host.slice(7) : host;
}
