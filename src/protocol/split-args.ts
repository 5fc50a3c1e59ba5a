/**
 * Splits a line into arguments the way Redis's sdssplitargs does. Both inline
 * requests ("SET k "v w"") and redis.conf lines use this grammar, so one
 * implementation serves the protocol parser and the config file reader.
 *
 * Grammar: arguments are separated by spaces/tabs/newlines; a double-quoted
 * argument understands \n \r \t \b \a \\ \" and \xHH; a single-quoted argument
 * only understands \'. A closing quote must be followed by a space or the end of
 * the line. Returns null for unbalanced quotes (the caller chooses the error).
 *
 * Works on bytes, not characters; arbitrary bytes can be written with \xHH.
 * As in C, where the line is a NUL-terminated string, a NUL byte ends the line
 * (the request parser never passes one: Redis cannot see such a line's end).
 * Leading blanks are C's isspace set, but inside an unquoted argument only
 * space, \t, \r and \n separate: "a\vb" is one argument, as in Redis.
 */
export function splitArgs(line: Buffer): Buffer[] | null {
  const args: Buffer[] = [];
  const nul = line.indexOf(0);
  const len = nul === -1 ? line.length : nul;
  if (line.indexOf(0x22) === -1 && line.indexOf(0x27) === -1) return splitPlain(line, len, args);
  let i = 0;
  while (true) {
    while (i < len && isSpace(line[i]!)) i++;
    if (i >= len) return args;

    const bytes: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      if (inDouble) {
        if (i >= len) return null;
        const c = line[i]!;
        if (
          c === 0x5c /* \ */ &&
          i + 3 < len &&
          line[i + 1] === 0x78 /* x */ &&
          isHex(line[i + 2]!) &&
          isHex(line[i + 3]!)
        ) {
          bytes.push(hexValue(line[i + 2]!) * 16 + hexValue(line[i + 3]!));
          i += 3;
        } else if (c === 0x5c && i + 1 < len) {
          i++;
          bytes.push(unescape(line[i]!));
        } else if (c === 0x22 /* " */) {
          // A closing quote must be followed by whitespace or the end.
          if (i + 1 < len && !isSpace(line[i + 1]!)) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else if (inSingle) {
        if (i >= len) return null;
        const c = line[i]!;
        if (c === 0x5c && i + 1 < len && line[i + 1] === 0x27 /* ' */) {
          i++;
          bytes.push(0x27);
        } else if (c === 0x27) {
          if (i + 1 < len && !isSpace(line[i + 1]!)) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else {
        if (i >= len) break;
        const c = line[i]!;
        if (isSeparator(c)) {
          done = true;
        } else if (c === 0x22) {
          inDouble = true;
        } else if (c === 0x27) {
          inSingle = true;
        } else {
          bytes.push(c);
        }
      }
      if (i < len) i++;
    }
    args.push(Buffer.from(bytes));
  }
}

/** String convenience for config files, which are text. */
export function splitArgsString(line: string): string[] | null {
  const parts = splitArgs(Buffer.from(line, 'utf8'));
  return parts === null ? null : parts.map((p) => p.toString('utf8'));
}

/** C's isspace: blanks skipped between arguments and accepted after a closing quote. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c;
}

/** The bytes that end an unquoted argument in sdssplitargs (a narrower set than isspace). */
function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return c - 0x41 + 10;
}

function unescape(c: number): number {
  switch (c) {
    case 0x6e:
      return 0x0a; // n
    case 0x72:
      return 0x0d; // r
    case 0x74:
      return 0x09; // t
    case 0x62:
      return 0x08; // b
    case 0x61:
      return 0x07; // a
    default:
      return c;
  }
}

/**
 * The common inline request (`PING`, `GET key`): no quotes, so arguments are
 * runs of non-blanks and can be copied out whole instead of byte by byte.
 * Same separators as the general path: leading C isspace, then space, \t,
 * \r, \n between arguments.
 */
function splitPlain(line: Buffer, len: number, args: Buffer[]): Buffer[] {
  let i = 0;
  while (true) {
    while (i < len && isSpace(line[i]!)) i++;
    if (i >= len) return args;
    const start = i;
    while (i < len && !isSeparator(line[i]!)) i++;
    args.push(Buffer.from(line.subarray(start, i)));
  }
}
