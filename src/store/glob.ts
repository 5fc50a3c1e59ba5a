/**
 * Glob-style matching as Redis's stringmatchlen: `*`, `?`, `[abc]`, `[^a-z]`,
 * `\x` escapes. Used by KEYS, SCAN MATCH, PSUBSCRIBE and CONFIG GET.
 *
 * Works on latin1 strings (one char per byte), which is how keys are held, so
 * binary keys match byte for byte. Iterative with a single backtrack point for
 * the last `*`: that is sufficient for globs and keeps pathological patterns
 * like `a*a*a*a*b` at O(n*m) instead of Redis's recursive worst case.
 */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  const plen = pattern.length;
  const slen = subject.length;
  // Redis's matcher never enters its loop for an empty subject, so only an
  // empty pattern matches it (`*` does not; KEYS/SCAN special-case `*`).
  if (slen === 0) return plen === 0;
  // Each star group that is not trailing needs at least two pattern chars, so
  // only very long patterns can exceed Redis's nesting guard.
  if (plen > 2 * MAX_STAR_NESTING && innerStarGroups(pattern) > MAX_STAR_NESTING) return false;

  while (s < slen) {
    if (p < plen) {
      const pc = pattern.charCodeAt(p);
      if (pc === 0x2a /* * */) {
        while (p < plen && pattern.charCodeAt(p) === 0x2a) p++;
        if (p === plen) return true;
        starP = p;
        starS = s;
        continue;
      }
      const step = matchOne(pattern, p, subject.charCodeAt(s), nocase);
      if (step > 0) {
        p += step;
        s++;
        continue;
      }
    }
    if (starP === -1) return false;
    // Let the last star swallow one more character and retry from there.
    starS++;
    s = starS;
    p = starP;
  }
  while (p < plen && pattern.charCodeAt(p) === 0x2a) p++;
  return p === plen;
}

/**
 * Tries to match one subject char against the pattern element at `p`.
 * Returns the pattern length consumed on success, 0 on mismatch.
 */
function matchOne(pattern: string, p: number, c: number, nocase: boolean): number {
  const plen = pattern.length;
  const pc = pattern.charCodeAt(p);
  if (pc === 0x3f /* ? */) return 1;
  if (pc === 0x5c /* \ */ && p + 1 < plen) {
    return sameChar(pattern.charCodeAt(p + 1), c, nocase) ? 2 : 0;
  }
  if (pc === 0x5b /* [ */) {
    let i = p + 1;
    const negate = i < plen && pattern.charCodeAt(i) === 0x5e; /* ^ */
    if (negate) i++;
    let matched = false;
    while (i < plen && pattern.charCodeAt(i) !== 0x5d /* ] */) {
      const cur = pattern.charCodeAt(i);
      if (cur === 0x5c && i + 1 < plen) {
        // Redis compares an escaped class member exactly, even with nocase
        // (CONFIG GET `[\M]axmemory` finds nothing).
        if (pattern.charCodeAt(i + 1) === c) matched = true;
        i += 2;
      } else if (i + 2 < plen && pattern.charCodeAt(i + 1) === 0x2d /* - */) {
        // As in stringmatchlen, a `]` right after the dash is the range's end,
        // not the class's: `[b-]` is the range `]`..`b`, left unterminated.
        // stringmatchlen compares ranges as C `char`, which is signed on the
        // x86-64 builds Redis ships: bytes 0x80-0xff sort below 0x00, so
        // `[a-\xe9]` means \xe9..\xff plus \x00..a there.
        let lo = signedByte(cur);
        let hi = signedByte(pattern.charCodeAt(i + 2));
        if (lo > hi) [lo, hi] = [hi, lo];
        let x = signedByte(c);
        if (nocase) {
          lo = lower(lo);
          hi = lower(hi);
          x = lower(x);
        }
        if (x >= lo && x <= hi) matched = true;
        i += 3;
      } else {
        if (sameChar(cur, c, nocase)) matched = true;
        i++;
      }
    }
    // An unterminated class: Redis treats the end of the pattern as the `]`.
    const consumed = (i < plen ? i + 1 : i) - p;
    return matched !== negate ? consumed : 0;
  }
  return sameChar(pc, c, nocase) ? 1 : 0;
}

/**
 * How deep Redis's recursive matcher may nest (one level per `*` group that
 * is followed by more pattern). Past it stringmatchlen gives up and reports no
 * match: its guard against abusive patterns (CVE-2022-36021).
 */
const MAX_STAR_NESTING = 1000;

/** Star groups followed by more pattern, walking elements as stringmatchlen does. */
function innerStarGroups(pattern: string): number {
  const plen = pattern.length;
  let groups = 0;
  let p = 0;
  while (p < plen) {
    const pc = pattern.charCodeAt(p);
    if (pc === 0x2a /* * */) {
      while (p < plen && pattern.charCodeAt(p) === 0x2a) p++;
      if (p < plen) groups++;
    } else if (pc === 0x5c /* \ */) {
      p += p + 1 < plen ? 2 : 1;
    } else if (pc === 0x5b /* [ */) {
      let i = p + 1;
      if (i < plen && pattern.charCodeAt(i) === 0x5e) i++;
      while (i < plen && pattern.charCodeAt(i) !== 0x5d) {
        if (pattern.charCodeAt(i) === 0x5c && i + 1 < plen) i += 2;
        else if (i + 2 < plen && pattern.charCodeAt(i + 1) === 0x2d) i += 3;
        else i++;
      }
      p = i < plen ? i + 1 : i;
    } else {
      p++;
    }
  }
  return groups;
}

function signedByte(c: number): number {
  return c >= 0x80 && c <= 0xff ? c - 0x100 : c;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

function sameChar(a: number, b: number, nocase: boolean): boolean {
  return a === b || (nocase && lower(a) === lower(b));
}

/** True when the text contains glob metacharacters (CONFIG GET treats others as exact names). */
export function isGlobPattern(text: string): boolean {
  return /[[*?]/.test(text);
}
