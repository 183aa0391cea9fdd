import { DbshipError } from '../../errors.js';
import { displayPath } from '../../display-path.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of a migration file, decoded as strict UTF-8. Bytes that are not UTF-8 (a file saved
 * as Latin-1 or Windows-1252) are refused with the offset of the first bad byte: a lenient
 * decoder would apply U+FFFD in their place, so the database would silently differ from the
 * file. A leading byte order mark is dropped; PostgreSQL's parser would stop at it. The
 * checksum is always taken of the raw bytes, so dropping the mark changes no recorded checksum.
 * The refusal shows `file` from `cwd` (absolute without one).
 */
export function decodeSqlFile(bytes: Uint8Array, file: string, cwd?: string): string {
  const body = startsWithBom(bytes) ? bytes.subarray(BOM.length) : bytes;
  try {
    return strict.decode(body);
  } catch (err) {
    const offset = firstInvalidByte(bytes);
    const line = Buffer.from(bytes.subarray(0, offset)).toString('latin1').split('\n').length;
    const shown = Array.from(bytes.subarray(offset, offset + 4), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    throw new DbshipError('MIGRATION_REFUSED', `${displayPath(file, cwd)} is not valid UTF-8: byte offset ${offset} (line ${line}) starts ${shown}`, {
      cause: err,
      why: 'migration files are read as UTF-8; decoding these bytes anyway would replace them with U+FFFD, so the database would not get what the file says. The file was probably saved in another encoding (Latin-1, Windows-1252).',
      fix: `re-save the file as UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8), check the text at line ${line}, and run again; nothing was applied.`,
    });
  }
}

function startsWithBom(bytes: Uint8Array): boolean {
  return bytes.length >= BOM.length && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return bytes.length;
}

/** Length of the well-formed sequence at `i` (RFC 3629 table 3-7), or 0 when it is malformed. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
