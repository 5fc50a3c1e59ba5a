/**
 * The replication backlog: the last `repl-backlog-size` bytes of the
 * replication stream, kept so that a replica which lost its link can resume
 * with PSYNC (+CONTINUE) instead of a full resync.
 *
 * Offsets are Redis's: every byte ever fed to the stream has a 1-based
 * position; master_repl_offset is the position of the last one. The backlog
 * holds the range [firstByteOffset, firstByteOffset + histlen - 1], always
 * ending at master_repl_offset. A replica asks with the offset of the next
 * byte it needs (its own offset + 1), which may be one past the end: that is
 * a PSYNC with nothing to send.
 *
 * A plain circular Buffer rather than a list of chunks: appends copy once,
 * reading a range is at most two slices, and memory is fixed up front as
 * Redis's is (it reports the configured size, not what is used).
 */
export class ReplicationBacklog {
  private buffer: Buffer;
  /** Where the next byte goes. */
  private index = 0;
  /** Bytes of history held (at most the buffer size). */
  histlen = 0;
  /** Stream position of the last byte appended (master_repl_offset). */
  endOffset: number;

  /** `startOffset` is master_repl_offset when the backlog is created. */
  constructor(size: number, startOffset: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1, size));
    this.endOffset = startOffset;
  }

  get size(): number {
    return this.buffer.length;
  }

  /** repl_backlog_first_byte_offset: position of the oldest byte held. */
  get firstByteOffset(): number {
    return this.endOffset - this.histlen + 1;
  }

  append(data: Buffer): void {
    const size = this.buffer.length;
    this.endOffset += data.length;
    // Only the tail can survive: skip what would be overwritten anyway.
    let src = data.length > size ? data.subarray(data.length - size) : data;
    while (src.length > 0) {
      const n = Math.min(size - this.index, src.length);
      src.copy(this.buffer, this.index, 0, n);
      this.index = (this.index + n) % size;
      src = src.subarray(n);
    }
    this.histlen = Math.min(size, this.histlen + data.length);
  }

  /**
   * Whether a replica asking for the byte at `offset` can be served from
   * here (one past the end means "nothing missing").
   */
  covers(offset: number): boolean {
    return offset >= this.firstByteOffset && offset <= this.endOffset + 1;
  }

  /** Copies of the bytes from `offset` to the end (at most two pieces). */
  readFrom(offset: number): Buffer[] {
    if (!this.covers(offset)) throw new RangeError(`offset ${offset} not in the backlog`);
    const length = this.endOffset - offset + 1;
    if (length === 0) return [];
    const size = this.buffer.length;
    const start = (this.index - length + size) % size;
    if (start + length <= size) return [Buffer.from(this.buffer.subarray(start, start + length))];
    return [
      Buffer.from(this.buffer.subarray(start)),
      Buffer.from(this.buffer.subarray(0, length - (size - start))),
    ];
  }

  /** CONFIG SET repl-backlog-size: keeps the newest history that fits. */
  resize(size: number): void {
    if (size === this.buffer.length) return;
    const keep = Math.min(this.histlen, size);
    const kept = keep === 0 ? [] : this.readFrom(this.endOffset - keep + 1);
    this.buffer = Buffer.allocUnsafe(Math.max(1, size));
    this.index = 0;
    this.histlen = 0;
    const end = this.endOffset;
    this.endOffset = end - keep;
    for (const part of kept) this.append(part);
  }
}
