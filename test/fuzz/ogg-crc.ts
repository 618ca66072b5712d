// Recomputes the CRC of every complete Ogg page in a (mutated) file, so a mutation inside a page
// reaches the Ogg Opus parser's later checks instead of always stopping at BAD_CRC.
import { oggCrc } from '../../audio/ogg-page';

const HEADER = 27;

export function fixOggCrcs(input: Uint8Array): Uint8Array {
  const bytes = input.slice();
  let at = 0;
  while (at + HEADER <= bytes.length && bytes[at] === 0x4f && bytes[at + 1] === 0x67 && bytes[at + 2] === 0x67 && bytes[at + 3] === 0x53) {
    const segments = bytes[at + 26] as number;
    if (at + HEADER + segments > bytes.length) break;
    let length = HEADER + segments;
    for (let i = 0; i < segments; i++) length += bytes[at + HEADER + i] as number;
    if (at + length > bytes.length) break;
    const page = bytes.subarray(at, at + length);
    page.fill(0, 22, 26);
    new DataView(page.buffer, page.byteOffset + 22, 4).setUint32(0, oggCrc(page), true);
    at += length;
  }
  return bytes;
}
