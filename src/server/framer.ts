/**
 * Splits a TCP byte stream into Kafka frames: `message_size:i32` then that many bytes.
 * Frames split across reads and several frames in one read are both handled; a size
 * that is negative or above the limit is reported before anything is allocated for it.
 */

export class FrameSizeError extends Error {
  constructor(readonly size: number) {
    super(`frame of ${size} bytes rejected`);
  }
}

/** The largest buffer a connection keeps for reuse: a request bigger than this is allocated each time. */
const MAX_SPARE_BYTES = 16 * 1024 * 1024;

export class Framer {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /**
   * A buffer of this framer's own (never a socket read) that a recycled frame gave back. Fresh
   * megabyte buffers cost more in page faults than the copy into them, so a producer's frames,
   * which always span reads, reuse one buffer instead of faulting in a new one each time.
   */
  private spare: Uint8Array | undefined;
  private readonly owned = new WeakSet<ArrayBufferLike>();

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds one read; returns the payloads (without the size prefix) of the frames it completed. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Uint8Array[] = [];
    while (this.buffered >= 4) {
      const size = this.peekSize();
      if (size < 0 || size > this.maxFrameBytes) throw new FrameSizeError(size);
      if (this.buffered < 4 + size) break;
      frames.push(this.take(4 + size).subarray(4));
    }
    return frames;
  }

  private peekSize(): number {
    let size = 0;
    let got = 0;
    for (const c of this.chunks) {
      for (let i = 0; i < c.length && got < 4; i++, got++) size = (size << 8) | c[i];
      if (got === 4) break;
    }
    return size | 0;
  }

  /** Removes the first `n` buffered bytes; copies only when they span several reads. */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = this.spare && this.spare.length >= n ? this.spare.subarray(0, n) : new Uint8Array(n);
    this.spare = undefined;
    this.owned.add(out.buffer);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const part = c.subarray(0, n - filled);
      out.set(part, filled);
      filled += part.length;
      if (part.length === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(part.length);
    }
    return out;
  }

  /**
   * Gives a frame's buffer back for the next frame that spans reads. Only for a frame nothing
   * refers to any more: the caller knows its request was handled and no view of it was kept.
   */
  recycle(frame: Uint8Array): void {
    if (!this.owned.has(frame.buffer) || frame.buffer.byteLength > MAX_SPARE_BYTES) return;
    if (!this.spare || this.spare.length < frame.buffer.byteLength) this.spare = new Uint8Array(frame.buffer);
  }
}
