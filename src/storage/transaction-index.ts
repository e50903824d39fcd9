/**
 * Kafka's TransactionIndex: the `<base offset>.txnindex` file beside a segment, one entry per
 * transaction aborted by a marker in that segment, so that a read_committed Fetch can list the
 * aborted transactions of the range it returns without reading the log. Each entry is 34 bytes:
 * int16 version (0), int64 producer id, int64 first offset, int64 last offset (the marker's),
 * int64 last stable offset once the marker was written. The file is created with the first
 * entry; a torn last entry (a crash mid-write) is cut off when the segment is opened. Like the
 * segment's other files it is opened through the bounded FileHandleCache.
 */
import fs from "node:fs";
import { segmentFiles } from "./file-handles.ts";

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
  lastStableOffset: bigint;
}

const ENTRY_SIZE = 34;
const VERSION = 0;

/** Aborted transactions in marker order: what a TransactionIndex holds, and what an engine without files keeps. */
export class AbortedTxnList {
  readonly entries: AbortedTxn[] = [];

  /** False for one already listed (a marker replayed at start-up): entries come in marker order. */
  add(txn: AbortedTxn): boolean {
    const last = this.entries[this.entries.length - 1];
    if (last && txn.lastOffset <= last.lastOffset) return false;
    this.entries.push(txn);
    return true;
  }

  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset). */
  collect(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    return this.entries.filter((t) => t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset);
  }
}

export class TransactionIndex {
  private readonly list = new AbortedTxnList();
  /** Whether an entry was appended since the last flush. */
  private dirty = false;

  constructor(private _file: string) {
    const file = _file;
    if (!fs.existsSync(file)) return;
    const bytes = fs.readFileSync(file);
    const whole = bytes.length - (bytes.length % ENTRY_SIZE);
    const view = new DataView(bytes.buffer, bytes.byteOffset, whole);
    for (let at = 0; at < whole; at += ENTRY_SIZE) {
      if (view.getInt16(at) !== VERSION) break;
      this.list.entries.push({
        producerId: view.getBigInt64(at + 2),
        firstOffset: view.getBigInt64(at + 10),
        lastOffset: view.getBigInt64(at + 18),
        lastStableOffset: view.getBigInt64(at + 26),
      });
    }
    const kept = this.list.entries.length * ENTRY_SIZE;
    if (kept < bytes.length) fs.truncateSync(file, kept);
  }

  get file(): string {
    return this._file;
  }

  /** Renames the file (when there is one) to `file`; appends continue there. */
  renameTo(file: string): void {
    if (fs.existsSync(this._file)) segmentFiles.rename(this._file, file);
    this._file = file;
  }

  get allAbortedTxns(): readonly AbortedTxn[] {
    return this.list.entries;
  }

  /** Entries are appended in marker order; one already indexed (a marker replayed at start-up) is skipped. */
  append(txn: AbortedTxn): void {
    if (!this.list.add(txn)) return;
    const bytes = new Uint8Array(ENTRY_SIZE);
    const view = new DataView(bytes.buffer);
    view.setInt16(0, VERSION);
    view.setBigInt64(2, txn.producerId);
    view.setBigInt64(10, txn.firstOffset);
    view.setBigInt64(18, txn.lastOffset);
    view.setBigInt64(26, txn.lastStableOffset);
    fs.writeSync(segmentFiles.fd(this._file, true), bytes, 0, ENTRY_SIZE, (this.list.entries.length - 1) * ENTRY_SIZE);
    this.dirty = true;
  }

  collectAbortedTxns(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    return this.list.collect(fetchOffset, upperBoundOffset);
  }

  flush(): void {
    if (this.dirty) fs.fsyncSync(segmentFiles.fd(this._file));
    this.dirty = false;
  }

  close(): void {
    segmentFiles.close(this._file);
  }
}
