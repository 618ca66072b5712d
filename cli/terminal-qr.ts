// A QR code drawn with Unicode half blocks, two module rows per text line, for a terminal. Light
// modules are the drawn glyphs (as `qrencode -t UTF8` does): on a dark terminal they show as the
// dark-on-light code phone cameras read, but on a light one the code would come out inverted. With
// `colors` (a terminal, not a file) each line sets white glyphs on a black background itself, so
// the code is dark on light whatever the terminal's theme. Encoding is qrcode-generator's.
import qrcode from 'qrcode-generator';

/** Light quiet zone around the code, in modules (the standard asks for 4; 2 scans fine on screens). */
const QUIET = 2;

/** Bright white foreground on black, then back to the terminal's own colours. */
const LIGHT_ON_DARK = '\x1b[97;40m';
const RESET = '\x1b[0m';

export function terminalQr(text: string, options: { readonly colors?: boolean } = {}): string[] {
  // Level L (7% recovery) keeps a pairing payload at version 5, 37 modules: 21 lines with the
  // quiet zone, so the toy's first screen fits 80x24. A screen does not get scratched.
  const qr = qrcode(0, 'L');
  qr.addData(text, 'Byte');
  qr.make();
  const size = qr.getModuleCount();
  const light = (row: number, col: number): boolean =>
    row < 0 || col < 0 || row >= size || col >= size || !qr.isDark(row, col);
  const lines: string[] = [];
  for (let row = -QUIET; row < size + QUIET; row += 2) {
    let line = '';
    for (let col = -QUIET; col < size + QUIET; col++) {
      const top = light(row, col);
      const bottom = row + 1 < size + QUIET && light(row + 1, col);
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(options.colors ? `${LIGHT_ON_DARK}${line}${RESET}` : line);
  }
  return lines;
}
