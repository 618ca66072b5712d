// One key, one role (docs/THREAT-MODEL.md, "one key per role"): through a whole family's life —
// pairing, a session, a voice message sealed for the toy, a recording sealed for the phone, and
// both opened — every libsodium call is recorded, and the Noise static keys never reach an
// envelope's key agreement while the envelope keys never reach a Noise DH.
import { openEnvelope, sealEnvelope } from '../../audio/envelope';
import { recordingSodium, type PrimitiveCall } from '../../bench/primitive-calls';
import { MemoryBondStore } from '../../pairing/bond';
import { generatePartyKeys, provisionToy, publicKeys } from '../../pairing/identity';
import { PhoneConnection } from '../../pairing/phone';
import { Toy } from '../../pairing/toy';
import { useSodium } from './helpers';
import { pump } from './world';

const sodium = useSodium();

const same = (a: unknown, b: Uint8Array): boolean => a instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);

describe('one key per role', () => {
  it('never hands a Noise static key to envelope sealing, nor an envelope key to Noise', () => {
    const real = sodium();
    const identity = provisionToy(real);
    const phoneKeys = generatePartyKeys(real);
    const calls: PrimitiveCall[] = [];
    const watched = recordingSodium(real, calls);

    const toy = new Toy(watched, { identity, bonds: new MemoryBondStore() });
    toy.powerOn(0);
    toy.pawPress(0);
    const paired = PhoneConnection.pair(watched, { keys: phoneKeys, toyId: identity.toyId, code: identity.code });
    pump(paired.connection, toy.connect(), paired.frame, 1);
    const bond = paired.connection.bond!;
    const resumed = PhoneConnection.resume(watched, phoneKeys, bond);
    const toySide = toy.connect();
    pump(resumed.connection, toySide, resumed.frame, 2);
    expect(toySide.state).toBe('established');

    const audio = real.randombytes_buf(200);
    const message = sealEnvelope(watched, { audio, sender: phoneKeys, recipients: [bond.peer], time: 3 });
    expect(openEnvelope(watched, message, identity.keys, { senders: [toySide.bond!.peer] }).audio).toEqual(audio);
    const recording = sealEnvelope(watched, { audio, sender: identity.keys, recipients: [toySide.bond!.peer], time: 4 });
    expect(openEnvelope(watched, recording, phoneKeys, { senders: [bond.peer] }).audio).toEqual(audio);

    const parties = [identity.keys, phoneKeys];
    const staticKeys = parties.flatMap((k) => [k.static.publicKey, k.static.secretKey]);
    const envelopeKeys = parties.flatMap((k) => [k.envelope.publicKey, k.envelope.secretKey]);
    const uses = (call: PrimitiveCall, keys: Uint8Array[]): boolean => call.args.some((arg) => keys.some((key) => same(arg, key)));
    const keyAgreements = calls.filter((c) => c.name.startsWith('crypto_kx_') && c.name.endsWith('_session_keys'));
    const dhs = calls.filter((c) => c.name.startsWith('crypto_scalarmult'));
    // The flow did exercise both roles: Noise DHs with the static keys, envelope key agreements with the envelope keys.
    expect(dhs.filter((c) => uses(c, staticKeys)).length).toBeGreaterThan(0);
    expect(keyAgreements.filter((c) => uses(c, envelopeKeys))).toHaveLength(4); // two seals, two opens
    // And never crossed them.
    expect(keyAgreements.filter((c) => uses(c, staticKeys))).toEqual([]);
    expect(dhs.filter((c) => uses(c, envelopeKeys))).toEqual([]);
    // The static secrets serve exactly the Noise DHs: XXpsk3 `es` (toy) and `se` (phone), KK `es`
    // and `ss` read by the toy, `ss` and `se` by the phone; no DH of their own around a handshake
    // (the destination id once took one).
    const staticSecrets = parties.map((k) => k.static.secretKey);
    expect(dhs.filter((c) => uses(c, staticSecrets))).toHaveLength(6);
    // The phone's message was wrapped for the toy's envelope key, as its bond learnt it in pairing.
    expect(uses(keyAgreements[0]!, [publicKeys(identity.keys).envelope])).toBe(true);
  });
});
