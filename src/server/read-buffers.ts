/**
 * Buffers a connection's log reads go into, reused once the response carrying them is written.
 * A Fetch reads up to a megabyte per partition; a fresh buffer for each read costs more in page
 * faults than the read itself, while a buffer the kernel has taken the bytes from can take the
 * next read. Only the request being handled borrows; its buffers come back when its response's
 * last write completes.
 */
import type { ReadBuffers } from "../storage/engine.ts";

/** What a connection keeps between requests, at most. */
const MAX_FREE_BYTES = 4 * 1024 * 1024;

export class RecycledReadBuffers implements ReadBuffers {
  private free: Uint8Array[] = [];
  private freeBytes = 0;
  private lent: Uint8Array[] = [];

  allocate(size: number): Uint8Array {
    const i = this.free.findIndex((b) => b.length >= size);
    let buffer: Uint8Array;
    if (i < 0) buffer = new Uint8Array(size);
    else {
      buffer = this.free[i];
      this.free.splice(i, 1);
      this.freeBytes -= buffer.length;
    }
    this.lent.push(buffer);
    return buffer.subarray(0, size);
  }

  /** The buffers lent since the last call: what the response about to be written refers to. */
  takeLent(): Uint8Array[] {
    const lent = this.lent;
    this.lent = [];
    return lent;
  }

  /** Buffers whose bytes nothing refers to any more (their response was written). */
  giveBack(buffers: Uint8Array[]): void {
    for (const buffer of buffers) {
      if (this.freeBytes + buffer.length > MAX_FREE_BYTES) continue;
      this.free.push(buffer);
      this.freeBytes += buffer.length;
    }
  }
}
