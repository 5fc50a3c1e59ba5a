/**
 * The thresholds that decide which encoding OBJECT ENCODING reports for small
 * collections (listpack/intset versus hashtable/skiplist). Kept in one module
 * object, updated by the server when the config changes, so value classes
 * can read them without a reference to the config.
 */
export const encodingLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  /** Lists are always `quicklist` in Redis 7.0; kept for CONFIG and later versions. */
  listMaxListpackSize: -2,
};
