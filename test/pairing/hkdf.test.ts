// HKDF-SHA256 from HMAC: RFC 5869's own test cases (Appendix A.1 and A.3), since Noise's key
// schedule and the CPace-to-psk derivation both stand on it.
import { hkdfSha256 } from '../../pairing/hkdf';
import { hex, toHex, useSodium } from './helpers';

const sodium = useSodium();

describe('HKDF-SHA256 (RFC 5869)', () => {
  it('matches test case 1 (basic, with salt and info)', () => {
    const okm = hkdfSha256(
      sodium(),
      hex('000102030405060708090a0b0c'),
      hex('0b'.repeat(22)),
      hex('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('matches test case 3 (empty salt and info)', () => {
    const okm = hkdfSha256(sodium(), new Uint8Array(0), hex('0b'.repeat(22)), new Uint8Array(0), 42);
    expect(toHex(okm)).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });
});
