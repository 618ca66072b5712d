// The toy's QR code on a terminal: the drawing holds exactly the code's modules (light modules as
// glyphs, two rows a line, a quiet zone around), and on a terminal it brings its own colours so it
// reads as dark on light on light and dark themes alike.
import qrcode from 'qrcode-generator';
import { terminalQr } from '../../cli/terminal-qr';

const PAYLOAD = 'plushlink:1?toy=00112233445566778899aabbccddeeff&code=1234567890&fp=AAAAAAAAAAAAAAAAAAAAAA';
const GLYPH_ROWS: Record<string, [boolean, boolean]> = { '█': [true, true], '▀': [true, false], '▄': [false, true], ' ': [false, false] };

/** The light/dark modules a drawing shows, row by row (quiet zone included). */
function modulesDrawn(lines: readonly string[]): boolean[][] {
  const rows: boolean[][] = [];
  for (const line of lines) {
    const cells = [...line].map((glyph) => GLYPH_ROWS[glyph]!);
    rows.push(cells.map((c) => c[0]), cells.map((c) => c[1]));
  }
  return rows;
}

describe('the terminal QR code', () => {
  it('draws exactly the modules of the code, light ones as glyphs, in a light quiet zone', () => {
    const lines = terminalQr(PAYLOAD);
    const qr = qrcode(0, 'L');
    qr.addData(PAYLOAD, 'Byte');
    qr.make();
    const size = qr.getModuleCount();
    const drawn = modulesDrawn(lines);
    const quiet = (drawn[0]!.length - size) / 2;
    expect(quiet).toBeGreaterThanOrEqual(2);
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) expect([row, col, drawn[row + quiet]![col + quiet]]).toEqual([row, col, !qr.isDark(row, col)]);
    }
    expect(drawn[0]!.every((light) => light)).toBe(true);
  });

  it('sets its own light-on-dark colours on a terminal, so a light theme does not invert it', () => {
    const plain = terminalQr(PAYLOAD);
    const colored = terminalQr(PAYLOAD, { colors: true });
    expect(colored).toEqual(plain.map((line) => `\x1b[97;40m${line}\x1b[0m`));
  });

  it('fits the toy screen: at most 21 lines and 41 columns for a pairing payload', () => {
    const lines = terminalQr(PAYLOAD);
    expect(lines.length).toBeLessThanOrEqual(21);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(41);
  });
});
