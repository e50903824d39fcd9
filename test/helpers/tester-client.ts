// A socket client that behaves like the tester's kafka_client (§1.4): dial with retries, one write per
// request, and a response is whatever arrives within 100 ms of its first byte.
import { connect, type Socket } from "node:net";
import { fail } from "./tester-responses.ts";

const CONNECT_RETRY_MS = 100;
/** The tester's first read has no deadline of its own; this bounds it well inside the stage timeout. */
const FIRST_BYTE_TIMEOUT_MS = 5000;
/** After the first byte the tester keeps reading until this deadline, EOF or ECONNRESET. */
const READ_WINDOW_MS = 100;

export interface ConnectOptions {
  port: number;
  /** Give up dialling at this time (ms since epoch). */
  deadline: number;
  /** The tester's HasExited(): the process ended or closed a stdio stream. */
  programHasExited: () => boolean;
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

export class TesterClient {
  private buffered = Buffer.alloc(0);
  private ended = false;
  private wakers = new Set<() => void>();
  /** The last response received, kept for failure reports. */
  lastResponse: Buffer | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end); // ECONNRESET ends the read like EOF does
  }

  static async connect(options: ConnectOptions): Promise<TesterClient> {
    for (;;) {
      try {
        return new TesterClient(await dial(options.port));
      } catch (err) {
        if (options.programHasExited()) {
          fail("Looks like your program has terminated. A Kafka server is expected to be a long-running process.");
        }
        if (Date.now() + CONNECT_RETRY_MS > options.deadline) {
          fail(`Could not connect to 127.0.0.1:${options.port}: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS));
      }
    }
  }

  private wake(): void {
    for (const w of this.wakers) w();
  }

  /** Resolves when `done()` holds or after `ms`, whichever comes first. */
  private until(done: () => boolean, ms: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakers.delete(check);
        resolve();
      };
      const check = () => {
        if (done()) finish();
      };
      const timer = setTimeout(finish, ms);
      this.wakers.add(check);
    });
  }

  /** The whole request in one write, as the tester does. */
  send(request: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(request, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** First chunk (bounded), then everything that arrives within the tester's 100 ms read window. */
  async receive(): Promise<Buffer> {
    await this.until(() => this.buffered.length > 0 || this.ended, FIRST_BYTE_TIMEOUT_MS);
    if (this.buffered.length === 0) {
      fail(this.ended ? "error reading from connection: EOF" : `No response within ${FIRST_BYTE_TIMEOUT_MS} ms`);
    }
    // The window is the tester's own behaviour: bytes after it belong to no response and fail the size check.
    await this.until(() => this.ended, READ_WINDOW_MS);
    const response = this.buffered;
    this.buffered = Buffer.alloc(0);
    this.lastResponse = response;
    return response;
  }

  async exchange(request: Buffer): Promise<Buffer> {
    await this.send(request);
    return this.receive();
  }

  close(): void {
    this.socket.destroy();
  }
}
