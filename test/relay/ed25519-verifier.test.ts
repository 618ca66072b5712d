// The relay's Ed25519 check accepts exactly what libsodium's crypto_sign_verify_detached accepts,
// while running OpenSSL's native verify for ordinary keys: on the published edge cases, on
// small-order keys, on non-canonical S, and on a small-order R that OpenSSL alone would accept.
import { createPublicKey, verify as nativeVerify } from 'node:crypto';
import fc from 'fast-check';
import { type Sodium, sodiumReady } from '../../pairing/sodium';
import { Ed25519Verifier } from '../../relay/ed25519-verifier';

let sodium: Sodium;
beforeAll(async () => {
  sodium = await sodiumReady();
});

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/**
 * The twelve cases of "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, SSR 2020), from
 * github.com/novifinancial/ed25519-speccheck cases.txt: small-order and mixed-order keys and R,
 * S >= L, non-canonical R and A. Its results table: libsodium accepts case 3 only; OpenSSL 3.0
 * accepts cases 0-3 and 11.
 */
const SPECCHECK: readonly { msg: string; pk: string; sig: string }[] = [
  { msg: '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6', pk: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', sig: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000' },
  { msg: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', pk: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', sig: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04' },
  { msg: 'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab', pk: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', sig: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e' },
  { msg: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', pk: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', sig: '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009' },
  { msg: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', pk: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', sig: '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09' },
  { msg: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', pk: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', sig: '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405' },
  { msg: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', pk: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', sig: 'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514' },
  { msg: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', pk: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', sig: '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22' },
  { msg: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', pk: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', sig: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f' },
  { msg: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', pk: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', sig: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908' },
  { msg: 'e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b', pk: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', sig: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04' },
  { msg: '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f', pk: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', sig: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04' },
];

/** OpenSSL's verdict alone, for showing where it and libsodium part. */
function openssl(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return nativeVerify(null, message, key, signature);
}

/** The group order L, little-endian. */
const L = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');

function addL(scalar: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = scalar[i]! + L[i]! + carry;
    out[i] = sum & 0xff;
    carry = sum >> 8;
  }
  return out;
}

describe('Ed25519 verification with libsodium rules on native speed', () => {
  it('accepts genuine signatures and refuses any changed byte, like libsodium', async () => {
    const verifier = new Ed25519Verifier(sodium);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.nat(63), async (message, flip) => {
        const keys = sodium.crypto_sign_keypair();
        const signature = sodium.crypto_sign_detached(message, keys.privateKey);
        expect(await verifier.verify(signature, message, keys.publicKey)).toBe(true);
        const bad = signature.slice();
        bad[flip] = bad[flip]! ^ 1;
        expect(await verifier.verify(bad, message, keys.publicKey)).toBe(sodium.crypto_sign_verify_detached(bad, message, keys.publicKey));
        expect(await verifier.verify(bad, message, keys.publicKey)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('gives libsodium\'s verdict on all twelve speccheck edge cases, where OpenSSL alone accepts five', async () => {
    const verifier = new Ed25519Verifier(sodium);
    const ours: boolean[] = [];
    for (const c of SPECCHECK) ours.push(await verifier.verify(hex(c.sig), hex(c.msg), hex(c.pk)));
    expect(ours).toEqual(SPECCHECK.map((c) => sodium.crypto_sign_verify_detached(hex(c.sig), hex(c.msg), hex(c.pk))));
    expect(ours.map((ok, i) => (ok ? i : -1)).filter((i) => i >= 0)).toEqual([3]);
    expect(SPECCHECK.map((c, i) => (openssl(hex(c.sig), hex(c.msg), hex(c.pk)) ? i : -1)).filter((i) => i >= 0)).toEqual([0, 1, 2, 3, 11]);
  });

  it('refuses small-order public keys (the identity, order 2, 4 and 8 points)', async () => {
    const verifier = new Ed25519Verifier(sodium);
    const smallOrder = [
      '0100000000000000000000000000000000000000000000000000000000000000',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      '0000000000000000000000000000000000000000000000000000000000000000',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    ].map(hex);
    for (const pk of smallOrder) {
      // S = 0 and R = A pass the cofactorless equation ([0]B - [h]A = A) whenever h = -1 modulo
      // the key's order (at most 8): a few random messages find one that OpenSSL accepts.
      const signature = new Uint8Array(64);
      signature.set(pk, 0);
      let message = sodium.randombytes_buf(32);
      for (let i = 0; i < 256 && !openssl(signature, message, pk); i++) message = sodium.randombytes_buf(32);
      expect(openssl(signature, message, pk)).toBe(true);
      expect(sodium.crypto_sign_verify_detached(signature, message, pk)).toBe(false);
      expect(await verifier.verify(signature, message, pk)).toBe(false);
    }
  });

  it('refuses a non-canonical S (S + L), which verifies the same equation', async () => {
    const verifier = new Ed25519Verifier(sodium);
    let tried = 0;
    while (tried < 8) {
      const keys = sodium.crypto_sign_keypair();
      const message = sodium.randombytes_buf(48);
      const signature = sodium.crypto_sign_detached(message, keys.privateKey);
      // S + L must still fit 256 bits with the top three bits clear (else it is not a candidate).
      const s = addL(signature.subarray(32));
      if (s[31]! & 0xe0) continue;
      tried++;
      const malleated = new Uint8Array([...signature.subarray(0, 32), ...s]);
      expect(sodium.crypto_sign_verify_detached(malleated, message, keys.publicKey)).toBe(false);
      expect(openssl(malleated, message, keys.publicKey)).toBe(false);
      expect(await verifier.verify(malleated, message, keys.publicKey)).toBe(false);
    }
  });

  it('refuses R = identity, which OpenSSL accepts from the key holder and libsodium does not', async () => {
    const verifier = new Ed25519Verifier(sodium);
    const keys = sodium.crypto_sign_keypair();
    const message = sodium.randombytes_buf(40);
    // With R the identity, S = h·a makes [S]B - [h]A the identity: h = SHA-512(R || A || M) mod L,
    // a the key's secret scalar (clamped SHA-512 of the seed, as sk_to_curve25519 gives it).
    const R = hex('0100000000000000000000000000000000000000000000000000000000000000');
    const h = sodium.crypto_core_ed25519_scalar_reduce(sodium.crypto_hash_sha512(new Uint8Array([...R, ...keys.publicKey, ...message])));
    const a = sodium.crypto_core_ed25519_scalar_reduce(new Uint8Array([...sodium.crypto_sign_ed25519_sk_to_curve25519(keys.privateKey), ...new Uint8Array(32)]));
    const signature = new Uint8Array([...R, ...sodium.crypto_core_ed25519_scalar_mul(h, a)]);
    expect(openssl(signature, message, keys.publicKey)).toBe(true);
    expect(sodium.crypto_sign_verify_detached(signature, message, keys.publicKey)).toBe(false);
    expect(await verifier.verify(signature, message, keys.publicKey)).toBe(false);
  });

  it('refuses wrong lengths without throwing', async () => {
    const verifier = new Ed25519Verifier(sodium);
    const keys = sodium.crypto_sign_keypair();
    const signature = sodium.crypto_sign_detached(new Uint8Array(3), keys.privateKey);
    expect(await verifier.verify(signature.subarray(0, 63), new Uint8Array(3), keys.publicKey)).toBe(false);
    expect(await verifier.verify(signature, new Uint8Array(3), keys.publicKey.subarray(0, 31))).toBe(false);
  });
});
