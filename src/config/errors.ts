/**
 * The two ways configuration fails, each carrying Redis's exact wording so
 * the server can print or reply it unchanged.
 */

/**
 * How Redis reports a start-up failure:
 *  - 'line':  the FATAL CONFIG FILE ERROR block quoting the offending line;
 *  - 'global': the same block without a line (log file not writable,
 *              replicaof together with cluster mode);
 *  - 'open':  a config or included file can't be read; Redis writes this one
 *             through its logger at warning level rather than as a block.
 */
export type ConfigErrorKind = 'line' | 'global' | 'open';

/** A start-up configuration failure (the server prints it and exits with status 1). */
export class ConfigError extends Error {
  constructor(
    public readonly reason: string,
    /** 1-based line in `file`'s text (after includes were split off); 0 when not about a line. */
    public readonly lineNumber: number,
    /** The line as Redis quotes it: trimmed of spaces, tabs and CR/LF. */
    public readonly lineText: string,
    /** The file being read, null for text that came only from the command line. */
    public readonly file: string | null,
    public readonly kind: ConfigErrorKind = 'line',
  ) {
    super(reason);
    this.name = 'ConfigError';
  }
}

/**
 * Redis's stderr text for a fatal configuration error, e.g.
 *
 *     \n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n
 *     Reading the configuration file, at line 2\n
 *     >>> 'port "abc"'\n
 *     argument couldn't be parsed into an integer\n
 *
 * For kind 'open' Redis logs "Fatal error, can't open config file ..." via
 * its logger instead; this returns that message followed by a newline, and
 * the server should prefer logging `err.reason` at warning level.
 */
export function formatFatalConfigError(err: ConfigError, redisVersion: string): string {
  if (err.kind === 'open') return `${err.reason}\n`;
  let out = `\n*** FATAL CONFIG FILE ERROR (Redis ${redisVersion}) ***\n`;
  if (err.kind === 'line') {
    out += `Reading the configuration file, at line ${err.lineNumber}\n`;
    out += `>>> '${err.lineText}'\n`;
  }
  return out + `${err.reason}\n`;
}

/**
 * A refused CONFIG SET / CONFIG REWRITE. `message` is the complete error
 * reply without the leading '-', e.g. "ERR CONFIG SET failed (possibly
 * related to argument 'maxclients') - argument couldn't be parsed into an
 * integer" or "LOADING Redis is loading the dataset in memory".
 */
export class ConfigSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigSetError';
  }
}
