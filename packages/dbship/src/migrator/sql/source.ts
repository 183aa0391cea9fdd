/**
 * A migration file's text with the three kinds of offsets in play: the parser reports node
 * locations in UTF-8 bytes and syntax error positions in characters (code points), JavaScript
 * strings index UTF-16 code units, and people read line and column. Columns are counted in code
 * points so that `é` or an emoji is one column, as an editor shows it.
 */
export class SourceText {
  readonly text: string;
  private readonly lineStarts: number[];
  private readonly ascii: boolean;
  private byteMap: Uint32Array | undefined;

  constructor(text: string) {
    this.text = text;
    this.ascii = /^[\x00-\x7f]*$/.test(text);
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** String offset of a UTF-8 byte offset (the parser's `location` / `stmt_location`). */
  fromByte(byte: number): number {
    if (this.ascii) return Math.min(byte, this.text.length);
    this.byteMap ??= buildByteMap(this.text);
    return this.byteMap[Math.max(0, Math.min(byte, this.byteMap.length - 1))]!;
  }

  /** String offset of a code point offset (the parser's syntax error `cursorPosition`). */
  fromCodePoint(codePoints: number): number {
    if (this.ascii) return Math.min(codePoints, this.text.length);
    let offset = 0;
    for (let n = 0; n < codePoints && offset < this.text.length; n++) offset += isHighSurrogate(this.text.charCodeAt(offset)) ? 2 : 1;
    return offset;
  }

  /** 1-based line and column (in code points) of a string offset. */
  position(offset: number): { line: number; column: number } {
    const line = this.lineOf(offset);
    const start = this.lineStarts[line - 1]!;
    return { line, column: [...this.text.slice(start, offset)].length + 1 };
  }

  /** 1-based line holding a string offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return '';
    const next = this.lineStarts[line];
    return this.text.slice(start, next === undefined ? this.text.length : next - 1).replace(/\r$/, '');
  }

  /** String offset where a 1-based line starts. */
  lineStart(line: number): number {
    return this.lineStarts[line - 1] ?? this.text.length;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** byte offset -> string offset, for every byte of the UTF-8 encoding (and one past the end). */
function buildByteMap(text: string): Uint32Array {
  const map = new Uint32Array(Buffer.byteLength(text, 'utf8') + 1);
  let byte = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let b = 0; b < bytes; b++) map[byte + b] = i;
    byte += bytes;
    i += units;
  }
  map[byte] = text.length;
  return map;
}
