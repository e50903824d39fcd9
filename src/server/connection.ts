/**
 * One client connection: frames in, responses out, strictly in request order. Requests are
 * handled one at a time, as Kafka does (a pipelined request waits for the one before it).
 *
 * Memory is bounded whatever the client does, as Kafka mutes a channel: the socket stops being
 * read while the bytes of requests read but not handled plus responses not yet taken by the
 * kernel exceed MAX_BUFFERED_BYTES, and the next request is handled only once the unsent
 * responses fit under it again. A client that never reads holds at most one response.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Socket } from "node:net";
import { Framer, FrameSizeError } from "./framer.ts";
import { RecycledReadBuffers } from "./read-buffers.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { decodeRequestHeader } from "../protocol/generated/request-header.ts";
import { encodeResponseHeader } from "../protocol/generated/response-header.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { ApiKey } from "../protocol/generated/api-keys.ts";
import type { ApiHandler, RequestContext } from "../handlers/api.ts";
import type { Broker } from "../broker.ts";
import { handleIntercepted } from "./request-interceptor.ts";
import type { Session } from "../security/session.ts";
import { authorizedOperations } from "../security/authorizer.ts";
import { SaslAuthenticationError } from "../security/sasl-server.ts";

/** Unhandled request bytes plus unsent response bytes above which the connection is muted. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export class Connection {
  private readonly framer: Framer;
  private readonly readBuffers = new RecycledReadBuffers();
  /** Requests run one after another, the first once the broker serves (a broker joining a cluster, once it is registered). */
  private queue: Promise<void>;
  private closed = false;
  private readonly aborted = new AbortController();
  /** Bytes of frames read and queued but not yet handled. */
  private queuedBytes = 0;
  private muted = false;
  /** Resolves the request waiting for unsent responses to drain (or the connection to close). */
  private drained: (() => void) | undefined;
  private readonly clientHost: string;
  /** The address this connection reached, for Metadata's advertised address. */
  private readonly localAddress: { host: string; port: number };
  /** Set by a handler whose answer ends the connection (a failed SASL authentication). */
  private closeAfterResponse = false;
  /** Set by a handler for a client over its quota: how long the next request waits. */
  private throttleMs = 0;

  constructor(
    private readonly socket: Socket,
    private readonly broker: Broker,
    private readonly session: Session,
  ) {
    this.clientHost = unmapIpv4(socket.remoteAddress ?? "");
    const address = socket.address();
    this.localAddress = { host: unmapIpv4("address" in address ? address.address : "127.0.0.1"), port: "port" in address ? address.port : 0 };
    this.queue = broker.serving;
    this.framer = new Framer(broker.config.socketRequestMaxBytes);
    socket.setNoDelay(true);
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("drain", () => this.onDrain());
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
    for (const frame of frames) {
      this.queuedBytes += frame.length;
      this.queue = this.queue.then(() => this.process(frame));
    }
    this.updateMute();
  }

  private async process(frame: Uint8Array): Promise<void> {
    await this.unsentFits();
    this.queuedBytes -= frame.length;
    if (this.closed) return;
    try {
      const response = this.session.sasl?.expectsRawToken ? await this.rawSaslToken(frame) : await this.handle(frame);
      const lent = this.readBuffers.takeLent();
      if (response && !this.closed) this.send(response, () => this.readBuffers.giveBack(lent));
      if (this.closeAfterResponse) this.end();
      if (this.throttleMs > 0) await this.waitOutThrottle();
    } catch (err) {
      this.broker.log.error(`request failed, closing connection: ${(err as Error).stack ?? err}`);
      this.close();
    }
    this.updateMute();
  }

  /** Requests queue behind the wait (and the socket is muted once they fill the bound), as Kafka mutes a throttled channel. */
  private async waitOutThrottle(): Promise<void> {
    const ms = this.throttleMs;
    this.throttleMs = 0;
    await delay(ms, undefined, { signal: this.aborted.signal }).catch(() => undefined);
  }

  /** Hands a response's buffers to the socket in one writev, none of them copied. */
  private send(parts: Uint8Array[], written: () => void): void {
    this.socket.cork();
    // Only a write that succeeded frees what it refers to; after an error the connection is gone anyway.
    parts.forEach((part, i) => this.socket.write(part, i < parts.length - 1 ? undefined : (err) => {
      if (!err) written();
    }));
    this.socket.uncork();
  }

  /** Resolves when the unsent responses fit under the bound again, or the connection closed. */
  private unsentFits(): Promise<void> | undefined {
    if (this.closed || this.socket.writableLength <= MAX_BUFFERED_BYTES) return undefined;
    return new Promise((resolve) => (this.drained = resolve));
  }

  private onDrain(): void {
    const drained = this.drained;
    this.drained = undefined;
    drained?.();
    this.updateMute();
  }

  /** Stops reading the socket while too much is buffered for it; reads again once that is handled or sent. */
  private updateMute(): void {
    if (this.closed) return;
    const over = this.queuedBytes + this.socket.writableLength > MAX_BUFFERED_BYTES;
    if (over && !this.muted) this.socket.pause();
    else if (!over && this.muted) this.socket.resume();
    this.muted = over;
  }

  /** Returns the response as buffers, null for no response; closes the connection on a malformed request. */
  private async handle(frame: Uint8Array): Promise<Uint8Array[] | null> {
    const r = new Reader(frame);
    const apiKey = r.int16();
    const apiVersion = r.int16();
    const correlationId = r.int32();
    const handler = this.broker.apis.get(apiKey);
    if (r.failed || !handler) return this.reject(`unknown api key ${apiKey}`);
    if (!this.session.admits(apiKey, Date.now())) return this.reject(`${handler.name} before SASL authentication`);
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
    const { authorizer } = this.broker.security;
    const principal = this.session.principal;
    const clientHost = this.clientHost;
    const ctx: RequestContext = {
      broker: this.broker,
      header,
      apiVersion,
      localAddress: this.localAddress,
      clientHost,
      signal: this.aborted.signal,
      readBuffers: this.readBuffers,
      listener: this.session.listener,
      principal,
      session: this.session,
      authorize: (operation, resourceType, name) => authorizer.authorize(principal, clientHost, operation, resourceType, name),
      authorizeByResourceType: (operation, resourceType) => authorizer.authorizeByResourceType(principal, clientHost, operation, resourceType),
      authorizedOperations: (resourceType, name) => authorizedOperations(authorizer, principal, clientHost, resourceType, name),
      closeAfterResponse: () => {
        this.closeAfterResponse = true;
      },
      throttle: (ms) => {
        this.throttleMs = Math.max(this.throttleMs, ms);
      },
    };
    const started = performance.now();
    const { requestInterceptors } = this.broker;
    const response = await (requestInterceptors.length === 0 ? handler.handle(ctx, request) : handleIntercepted(requestInterceptors, ctx, handler, request));
    const latencyMs = performance.now() - started;
    for (const o of this.broker.requestObservers) o.requestCompleted({ handler, apiVersion, request, response, latencyMs });
    const encoded = response === null ? null : encodeResponse(handler, apiVersion, correlationId, response, flexible);
    // The files engine has written Produce's batches to the segment before answering and keeps no
    // view of them, so the frame's buffer can take the next one (other requests may keep views).
    if (handler.apiKey === ApiKey.Produce && this.broker.storage.name === "files") this.framer.recycle(frame);
    return encoded;
  }

  /**
   * After a SaslHandshake v0 the exchange goes on as raw size-prefixed tokens both ways; a failed
   * one closes the connection (there is no response to carry an error), after the same delay.
   */
  private async rawSaslToken(token: Uint8Array): Promise<Uint8Array[] | null> {
    try {
      const { response } = this.session.sasl!.authenticate(token, Date.now());
      const w = new Writer(response.length + 4);
      w.int32(response.length);
      w.raw(response);
      return [w.finish()];
    } catch (err) {
      if (!(err instanceof SaslAuthenticationError)) throw err;
      this.broker.log.debug(`closing connection: ${err.message}`);
      await this.broker.security.delayFailedAuthentication();
      this.close();
      return null;
    }
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
    this.onDrain();
  }

  /** Closes once what was written has been sent (a failed authentication's answer must reach the client). */
  private end(): void {
    this.closed = true;
    this.aborted.abort();
    this.socket.end(() => this.socket.destroy());
    this.onDrain();
  }
}

/** The response frame (size, header, body); stored batches in it are referenced, not copied. */
function encodeResponse(handler: ApiHandler, version: number, correlationId: number, response: unknown, flexible: boolean): Uint8Array[] {
  const w = new Writer(512);
  w.int32(0);
  // ApiVersions responses always use header v0, so a client can parse them before it knows versions.
  const headerVersion = flexible && handler.apiKey !== ApiKey.ApiVersions ? 1 : 0;
  encodeResponseHeader(w, headerVersion, { correlationId });
  handler.encode(w, version, response);
  w.int32At(0, w.pos - 4);
  return w.finishParts();
}

function unsupportedApiVersions(correlationId: number, handler: ApiHandler): Uint8Array[] {
  return encodeResponse(handler, 0, correlationId, {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: [{ apiKey: handler.apiKey, minVersion: handler.minVersion, maxVersion: handler.maxVersion }],
  }, false);
}

/** "::ffff:127.0.0.1" (IPv4 on a dual-stack socket) is the IPv4 address, as clients know it. */
function unmapIpv4(host: string): string {
  return host.startsWith("::ffff:") ? host.slice(7) : host;
}
