/**
 * Segment files are opened on demand and at most `capacity` stay open, the least recently used
 * closed first, so thousands of partitions do not need thousands of file descriptors. Every use
 * is synchronous, so a descriptor handed out stays valid until the next call into the cache.
 */
import fs from "node:fs";

/** Leaves room under a 1024 fd limit for sockets, the metadata log and Node's own descriptors. */
export const DEFAULT_OPEN_SEGMENT_FILES = 256;

export class FileHandleCache {
  /** In use order: the first entry is the least recently used. */
  private readonly open = new Map<string, number>();

  constructor(readonly capacity = DEFAULT_OPEN_SEGMENT_FILES) {}

  /** The descriptor of `path`, opened read-write (created with `create`) if it is not open. */
  fd(path: string, create = false): number {
    const fd = this.open.get(path);
    if (fd !== undefined) {
      this.open.delete(path);
      this.open.set(path, fd);
      return fd;
    }
    while (this.open.size >= this.capacity) this.evictOldest();
    const flags = fs.constants.O_RDWR | (create ? fs.constants.O_CREAT : 0);
    let opened: number;
    try {
      opened = fs.openSync(path, flags, 0o644);
    } catch (err) {
      // At the process's fd limit (sockets count too): give back what is idle here and try once more.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== "EMFILE" && code !== "ENFILE") || this.open.size === 0) throw err;
      while (this.open.size > 0) this.evictOldest();
      opened = fs.openSync(path, flags, 0o644);
    }
    this.open.set(path, opened);
    return opened;
  }

  /** Renames the file; an open descriptor stays in use under the new name. */
  rename(from: string, to: string): void {
    fs.renameSync(from, to);
    const fd = this.open.get(from);
    if (fd === undefined) return;
    this.open.delete(from);
    this.open.set(to, fd);
  }

  close(path: string): void {
    const fd = this.open.get(path);
    if (fd === undefined) return;
    this.open.delete(path);
    fs.closeSync(fd);
  }

  get size(): number {
    return this.open.size;
  }

  private evictOldest(): void {
    const [path] = this.open.keys();
    this.close(path);
  }
}

/** The cache every log shares unless told otherwise: the bound is per process. */
export const segmentFiles = new FileHandleCache();
