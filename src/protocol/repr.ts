/**
 * Quoted, escaped rendering of binary data as Redis's sdscatrepr produces it:
 * used by MONITOR lines and DEBUG output, where operators read raw bytes.
 */
export function repr(value: Buffer): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
        else out += '\\x' + c.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}
