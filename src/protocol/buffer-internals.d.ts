/**
 * Node's Buffer has fast, undocumented per-encoding slice methods that
 * `toString(encoding)` dispatches to after validating its arguments. The hot
 * path (command names, keys, RDB encoding) calls the latin1 ones directly; it has been stable
 * across Node releases and the profile shows the wrapper's cost.
 */
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(text: string, offset: number, length: number): number;
  }
}

export {};
