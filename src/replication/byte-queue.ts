/**
 * Stream bytes held for a replica that cannot take them yet (its snapshot is
 * being made or sent), in order.
 *
 * Why slabs: a full sync under write load holds hundreds of thousands of
 * propagated commands for the waiting replica. Kept as one small Buffer
 * each, every one of them survives the young-generation collections while
 * the sync lasts, and the master's scavenges grew to tens of milliseconds.
 * Copied into shared slabs they are a few large objects instead; the
 * per-command Buffers die young.
 */

/** Bytes per slab; chunks of at least a quarter of it are kept as they are. */
const SLAB_SIZE = 256 * 1024;

export class ByteQueue {
  private sealed: Buffer[] = [];
  private slab: Buffer | null = null;
  private used = 0;
  /** Bytes held. */
  length = 0;

  append(chunk: Buffer): void {
    this.length += chunk.length;
    if (chunk.length >= SLAB_SIZE / 4) {
      // Big enough to be worth its own object: no copy.
      this.seal();
      this.sealed.push(chunk);
      return;
    }
    if (this.slab === null || this.used + chunk.length > this.slab.length) {
      this.seal();
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    }
    chunk.copy(this.slab, this.used);
    this.used += chunk.length;
  }

  /** Another replica joining the same snapshot starts with a copy of what this one holds. */
  copyFrom(other: ByteQueue): void {
    other.seal();
    this.sealed = other.sealed.slice();
    this.slab = null;
    this.used = 0;
    this.length = other.length;
  }

  /** Everything held, in order; the queue is empty afterwards. */
  drain(): Buffer[] {
    this.seal();
    const parts = this.sealed;
    this.sealed = [];
    this.length = 0;
    return parts;
  }

  /** Closes the slab being filled: what it holds becomes a sealed part (shared slabs are never written again). */
  private seal(): void {
    if (this.slab !== null && this.used > 0) this.sealed.push(this.slab.subarray(0, this.used));
    this.slab = null;
    this.used = 0;
  }
}
