// Every decoder and every byte-consuming state object in pairing/, fed arbitrary bytes: each
// either accepts or throws a PairingError, never anything else (no RangeError, no TypeError,
// no libsodium Error leaking through).
import fc from 'fast-check';
import { decodeFrame } from '../../pairing/frame';
import { Reassembler } from '../../pairing/fragment';
import { HandshakeState, x25519KeyPairFromSecret } from '../../pairing/noise/handshake-state';
import { KK, XXpsk3 } from '../../pairing/noise/patterns';
import { decodePairConfirm, decodePhoneAck, decodePhoneIntro, decodeToyIntro } from '../../pairing/payloads';
import { decodePolicy } from '../../pairing/policy';
import { CPace } from '../../pairing/cpace';
import { returnsOrPairingError, useSodium } from './helpers';
import { sessionPair } from './session-pair';

const sodium = useSodium();

function decoders(): [string, (bytes: Uint8Array) => unknown][] {
  const s = sodium();
  const key = () => x25519KeyPairFromSecret(s, s.randombytes_buf(32));
  const [a, b] = [key(), key()];
  const { toy } = sessionPair(s);
  const empty = new Uint8Array(0);
  return [
    ['decodeFrame', decodeFrame],
    ['decodePolicy', decodePolicy],
    ['decodeToyIntro', decodeToyIntro],
    ['decodePhoneIntro', decodePhoneIntro],
    ['decodePairConfirm', decodePairConfirm],
    ['decodePhoneAck', decodePhoneAck],
    ['Reassembler.push', (bytes) => new Reassembler().push(bytes)],
    ['Session.open', (bytes) => toy.open(bytes)],
    ['CPace.finish', (bytes) => new CPace(s, 'initiator', { prs: empty, ci: empty, sid: empty }, empty).finish({ share: bytes, ad: empty })],
    ['XXpsk3 responder readMessage', (bytes) => new HandshakeState(s, { pattern: XXpsk3, initiator: false, prologue: empty, s: a, psk: new Uint8Array(32) }).readMessage(bytes)],
    ['KK responder readMessage', (bytes) => new HandshakeState(s, { pattern: KK, initiator: false, prologue: empty, s: a, rs: b.publicKey }).readMessage(bytes)],
  ];
}

describe('decoders fed arbitrary bytes', () => {
  it('property: every decoder accepts or throws a PairingError', () => {
    const all = decoders();
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.uint8Array({ maxLength: 200 }), ([, decode], bytes) => returnsOrPairingError(() => decode(bytes))),
      { numRuns: 300 },
    );
  });
});
