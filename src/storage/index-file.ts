/**
 * Kafka's AbstractIndex on disk: fixed-size big-endian entries back to back in one file. The
 * index of the active segment is preallocated to `log.index.size.max.bytes` (so appends never
 * grow the file) and trimmed to its entries when the segment is rolled or closed, so a closed
 * index's length says how many entries it has. Entries are read into memory on first use only:
 * opening a segment reads at most its last entry. The file is opened through the segments'
 * bounded FileHandleCache, so idle indexes hold no descriptor.
 */
// The default export (not named imports) so tests can observe the index's file reads.
import fs from "node:fs";
import { join } from "node:path";
import { segmentFiles } from "./file-handles.ts";

/** Kafka's log.index.size.max.bytes default. */
export const DEFAULT_INDEX_SIZE_MAX_BYTES = 10 * 1024 * 1024;

export class IndexFile {
  /** Entries in memory once loaded; grows by doubling. */
  private bytes: Buffer | undefined;
  private _entries: number;
  /** Entries already written to the file; the rest are written by writePending. */
  private written: number;

  private constructor(
    private _file: string,
    readonly entrySize: number,
    /** The file's length is not a whole number of entries. */
    readonly misaligned: boolean,
    entries: number,
  ) {
    this._entries = entries;
    this.written = entries;
  }

  /** Opens (creating it if needed) an index whose length gives its entry count. */
  static open(file: string, entrySize: number): IndexFile {
    const length = fs.fstatSync(segmentFiles.fd(file, true)).size;
    return new IndexFile(file, entrySize, length % entrySize !== 0, Math.floor(length / entrySize));
  }

  /** Valid until the next file is asked of the cache: use it at once. */
  private get fd(): number {
    return segmentFiles.fd(this.file);
  }

  get file(): string {
    return this._file;
  }

  /** Renames the file to `name` in the same directory; the open file stays in use. */
  renameTo(name: string): void {
    const renamed = join(this._file, "..", name);
    segmentFiles.rename(this._file, renamed);
    this._file = renamed;
  }

  get entries(): number {
    return this._entries;
  }

  /** Entry `i` (a view, valid until the next append); loads the index on first use. */
  entry(i: number): Buffer {
    const bytes = this.load();
    return bytes.subarray(i * this.entrySize, (i + 1) * this.entrySize);
  }

  /** The last entry, read alone from the file when the index is not loaded. */
  lastEntry(): Buffer | undefined {
    if (this._entries === 0) return undefined;
    if (this.bytes) return this.entry(this._entries - 1);
    const entry = Buffer.alloc(this.entrySize);
    fs.readSync(this.fd, entry, 0, this.entrySize, (this._entries - 1) * this.entrySize);
    return entry;
  }

  append(entry: Uint8Array): void {
    let bytes = this.load();
    const end = this._entries * this.entrySize;
    if (end + this.entrySize > bytes.length) {
      const grown = Buffer.alloc(Math.max(bytes.length * 2, 64 * this.entrySize));
      bytes.copy(grown, 0, 0, end);
      bytes = this.bytes = grown;
    }
    bytes.set(entry, end);
    this._entries++;
  }

  /** Drops every entry from `count` on. */
  truncateTo(count: number): void {
    if (count >= this._entries) return;
    this._entries = count;
    this.written = Math.min(this.written, count);
  }

  /** Writes the entries appended since the last call in one write. */
  writePending(): void {
    if (this.written === this._entries) return;
    const from = this.written * this.entrySize;
    const pending = this.load().subarray(from, this._entries * this.entrySize);
    for (let done = 0; done < pending.length; ) done += fs.writeSync(this.fd, pending, done, pending.length - done, from + done);
    this.written = this._entries;
  }

  /** Sets the file's length: `maxBytes` (rounded down to whole entries) to preallocate, or the entries' length to trim. */
  resize(maxBytes?: number): void {
    this.writePending();
    const length = maxBytes === undefined ? this._entries * this.entrySize : Math.max(maxBytes - (maxBytes % this.entrySize), this._entries * this.entrySize);
    fs.ftruncateSync(this.fd, length);
  }

  /** Whether `maxBytes` of preallocated file can take no more entries (Kafka rolls the segment then). */
  isFull(maxBytes: number): boolean {
    return (this._entries + 1) * this.entrySize > maxBytes;
  }

  flush(): void {
    this.writePending();
    fs.fsyncSync(this.fd);
  }

  close(): void {
    segmentFiles.close(this.file);
  }

  private load(): Buffer {
    if (this.bytes) return this.bytes;
    const length = this._entries * this.entrySize;
    const bytes = Buffer.alloc(Math.max(length, 64 * this.entrySize));
    for (let done = 0; done < length; ) {
      const n = fs.readSync(this.fd, bytes, done, length - done, done);
      if (n === 0) break;
      done += n;
    }
    this.bytes = bytes;
    return bytes;
  }
}
