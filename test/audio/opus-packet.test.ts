// Opus packet durations (RFC 6716 section 3.1) and the well-formedness rules R1-R7.
import fc from 'fast-check';
import { opusPacketSamples } from '../../audio/opus-packet';
import { parsesOrAudioError, thrown } from './fixtures';

const toc = (config: number, stereo: boolean, code: number): number => (config << 3) | (stereo ? 4 : 0) | code;

describe('Opus packets', () => {
  it.each([
    [0, 480], // SILK narrowband 10 ms
    [9, 960], // SILK wideband 20 ms (what plushlink sends)
    [3, 2880], // SILK 60 ms
    [13, 960], // hybrid 20 ms
    [16, 120], // CELT 2.5 ms
    [31, 960], // CELT 20 ms
  ])('config %i with one frame lasts %i samples at 48 kHz', (config, samples) => {
    expect(opusPacketSamples(Uint8Array.of(toc(config, false, 0), 1, 2, 3))).toBe(samples);
  });

  it('counts two frames for codes 1 and 2, and the frame count for code 3', () => {
    expect(opusPacketSamples(Uint8Array.of(toc(9, false, 1), 1, 2))).toBe(1920);
    expect(opusPacketSamples(Uint8Array.of(toc(9, false, 2), 1, 7, 8))).toBe(1920);
    expect(opusPacketSamples(Uint8Array.of(toc(9, false, 3), 6, 1, 2, 3, 4, 5, 6))).toBe(5760);
  });

  it.each([
    ['empty (R1)', []],
    ['two uneven CBR frames (R3)', [toc(9, false, 1), 1, 2, 3]],
    ['a first frame longer than the packet (R4)', [toc(9, false, 2), 9, 1]],
    ['more than 120 ms (R5)', [toc(9, false, 3), 7, 0, 0, 0, 0, 0, 0, 0]],
    ['zero frames (R5)', [toc(9, false, 3), 0]],
    ['padding longer than the packet (R6)', [toc(9, false, 3), 0x41, 200]],
    ['VBR lengths beyond the packet (R7)', [toc(9, false, 3), 0x82, 50, 1]],
  ])('refuses a packet that is %s as CORRUPT', (_, bytes) => {
    expect(thrown(() => opusPacketSamples(Uint8Array.from(bytes))).code).toBe('CORRUPT');
  });

  it('measures any bytes or refuses them with a typed error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => parsesOrAudioError(() => opusPacketSamples(bytes))), { numRuns: 500 });
  });
});
