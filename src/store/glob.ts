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
        if (sameChar(pattern.charCodeAt(i + 1), c, nocase)) matched = true;
        i += 2;
      } else if (i + 2 < plen && pattern.charCodeAt(i + 1) === 0x2d /* - */) {
        // As in stringmatchlen, a `]` right after the dash is the range's end,
        // not the class's: `[b-]` is the range `]`..`b`, left unterminated.
        let lo = cur;
        let hi = pattern.charCodeAt(i + 2);
        if (lo > hi) [lo, hi] = [hi, lo];
        let x = c;
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
