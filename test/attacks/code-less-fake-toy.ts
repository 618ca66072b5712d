// A fake toy that knows the real toy's id but not its code, as an attacker builds it: it answers
// a family phone's PAIR_HELLO exactly as a toy would (CPace on the code it guesses, XXpsk3 with
// its own keys) and then tries to read the phone's static key out of Noise message 3, whose `s`
// token comes before the psk. Frames go straight between the phone's protocol code and this fake.
import { generatePairingCode } from '../../pairing/code';
import { CPace } from '../../pairing/cpace';
import { decodeFrame, encodeFrame } from '../../pairing/frame';
import { certifyToyKeys, provisionToy } from '../../pairing/identity';
import { TOY_AD, cpaceInputs, pairingPrologue, pskFromIsk, toyConfirm } from '../../pairing/key-schedule';
import { HandshakeState } from '../../pairing/noise/handshake-state';
import { XXpsk3 } from '../../pairing/noise/patterns';
import { encodeToyIntro, signIntro } from '../../pairing/payloads';
import type { PhoneConnection } from '../../pairing/phone';
import type { Sodium } from '../../pairing/sodium';

/** What the fake got from one pairing attempt: the phone's static key, if the phone sent it. */
export function fakeToyAnswers(sodium: Sodium, toyId: string, phone: PhoneConnection, helloFrame: Uint8Array): { finishSent: boolean; phoneStatic?: Uint8Array } {
  const hello = decodeFrame(helloFrame);
  if (hello.type !== 'PAIR_HELLO') throw new Error('not a PAIR_HELLO');
  const fake = { ...provisionToy(sodium), toyId };
  const cpace = new CPace(sodium, 'responder', cpaceInputs(generatePairingCode(sodium), toyId, hello.sid), TOY_AD);
  const psk = pskFromIsk(sodium, cpace.finish({ share: hello.share, ad: hello.ad }), hello.sid);
  const handshake = new HandshakeState(sodium, { pattern: XXpsk3, initiator: false, prologue: pairingPrologue(toyId, hello.sid, hello.share), s: fake.keys.static, psk });
  handshake.readMessage(hello.noise);
  const hash = handshake.getHandshakeHash();
  const intro = encodeToyIntro({
    toyId,
    signingKey: fake.keys.signing.publicKey,
    envelopeKey: fake.keys.envelope.publicKey,
    signature: signIntro(sodium, 'toy', fake.keys.signing, hash),
    attestationKey: fake.attestation.publicKey,
    certificate: certifyToyKeys(sodium, fake),
    confirm: toyConfirm(sodium, psk, hash),
  });
  const reply = encodeFrame({ type: 'PAIR_REPLY', share: cpace.own.share, ad: cpace.own.ad, noise: handshake.writeMessage(intro) });
  const finish = phone.receive(reply, 1).send.map(decodeFrame).find((m) => m.type === 'PAIR_FINISH');
  if (finish?.type !== 'PAIR_FINISH') return { finishSent: false };
  try {
    handshake.readMessage(finish.noise);
  } catch {
    // The payload fails under the wrong psk; the static key before it has been read already.
  }
  const phoneStatic = handshake.remoteStatic;
  return phoneStatic ? { finishSent: true, phoneStatic } : { finishSent: true };
}
