// Sealed envelopes: only recipients open them, they prove who sent them, they cannot be
// re-addressed, a relay learns neither the words nor the sender, and any altered byte is a
// typed error.
import fc from 'fast-check';
import type { PartyKeys } from '../../pairing/keys';
import type { Sodium } from '../../pairing/sodium';
import { sodiumReady } from '../../pairing/sodium';
import { ByteReader, ByteWriter, concatBytes } from '../../audio/bytes';
import { ENVELOPE_MAGIC, openEnvelope, readEnvelopeHeader, sealEnvelope } from '../../audio/envelope';
import { parsesOrAudioError, thrown } from './fixtures';
import { makeParty, publicOf, senderOf } from './parties';

const contains = (haystack: Uint8Array, needle: Uint8Array): boolean =>
  Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;

describe('voice envelopes', () => {
  let sodium: Sodium;
  let grandma: PartyKeys;
  let toy: PartyKeys;
  let parent: PartyKeys;
  let stranger: PartyKeys;
  const audio = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  const time = Date.UTC(2026, 10, 23, 18, 30);
  let sealed: Uint8Array;

  beforeAll(async () => {
    sodium = await sodiumReady();
    [grandma, toy, parent, stranger] = [makeParty(sodium), makeParty(sodium), makeParty(sodium), makeParty(sodium)];
    sealed = sealEnvelope(sodium, { audio, sender: grandma, recipients: [publicOf(toy), publicOf(parent)], time });
  });

  it('open for every recipient, with the audio, id, time and the proven sender', () => {
    for (const me of [toy, parent]) {
      const opened = openEnvelope(sodium, sealed, me, { senders: [publicOf(grandma)] });
      expect(opened.audio).toEqual(audio);
      expect(opened.time).toBe(time);
      expect(opened.id).toHaveLength(16);
      expect(opened.sender).toEqual(senderOf(grandma));
      expect(opened.recipientCount).toBe(2);
    }
  });

  it('list each recipient once, even when a sender names one twice (or every member would find it CORRUPT)', () => {
    const twice = sealEnvelope(sodium, { audio, sender: grandma, recipients: [publicOf(toy), publicOf(parent), publicOf(toy)], time });
    expect(readEnvelopeHeader(twice).recipients).toHaveLength(2);
    for (const me of [toy, parent]) expect(openEnvelope(sodium, twice, me).audio).toEqual(audio);
  });

  it('are sealed to envelope keys only: the Noise static key of a party never opens one', () => {
    // Sealed to the toy's Noise static key (a sender who mixed up the roles): the toy's keys do not open it.
    const toStatic = sealEnvelope(sodium, { audio, sender: grandma, recipients: [{ envelope: toy.static.publicKey }], time });
    expect(thrown(() => openEnvelope(sodium, toStatic, toy)).code).toBe('NOT_A_RECIPIENT');
    // Nor does a genuine envelope open with the static key in the envelope key's place.
    expect(thrown(() => openEnvelope(sodium, sealed, { envelope: toy.static })).code).toBe('NOT_A_RECIPIENT');
    expect(openEnvelope(sodium, sealed, { envelope: toy.envelope }).audio).toEqual(audio);
  });

  it('do not open for anyone else', () => {
    expect(thrown(() => openEnvelope(sodium, sealed, stranger)).code).toBe('NOT_A_RECIPIENT');
    expect(thrown(() => openEnvelope(sodium, sealed, grandma)).code).toBe('NOT_A_RECIPIENT');
  });

  it('show a relay how many recipients and the id, but neither who the recipients are, the audio nor who sent it', () => {
    const header = readEnvelopeHeader(sealed);
    expect(header.recipients).toHaveLength(2);
    for (const p of [toy, parent]) for (const key of [p.static.publicKey, p.envelope.publicKey]) expect(contains(sealed, key)).toBe(false);
    // Slots differ in every envelope, even for the same recipient.
    const again = sealEnvelope(sodium, { audio, sender: grandma, recipients: [publicOf(toy), publicOf(parent)], time });
    expect(readEnvelopeHeader(again).recipients[0]!.slot).not.toEqual(header.recipients[0]!.slot);
    expect(contains(sealed, grandma.signing.publicKey)).toBe(false);
    expect(contains(sealed, grandma.static.publicKey)).toBe(false);
    expect(contains(sealed, grandma.envelope.publicKey)).toBe(false);
    expect(contains(sealed, audio.subarray(0, 16))).toBe(false);
  });

  it('get a fresh id, ephemeral key and ciphertext each time, even for the same audio', () => {
    const again = sealEnvelope(sodium, { audio, sender: grandma, recipients: [publicOf(toy)], time });
    const other = sealEnvelope(sodium, { audio, sender: grandma, recipients: [publicOf(toy)], time });
    expect(readEnvelopeHeader(again).id).not.toEqual(readEnvelopeHeader(other).id);
    expect(readEnvelopeHeader(again).ephemeral).not.toEqual(readEnvelopeHeader(other).ephemeral);
  });

  it('refuse a sender the recipient does not trust, even one claiming a trusted envelope key', () => {
    const impostor = { envelope: { publicKey: grandma.envelope.publicKey, secretKey: stranger.envelope.secretKey }, signing: stranger.signing };
    const forged = sealEnvelope(sodium, { audio, sender: impostor, recipients: [publicOf(toy)], time });
    expect(thrown(() => openEnvelope(sodium, forged, toy, { senders: [publicOf(grandma)] })).code).toBe('UNKNOWN_SENDER');
  });

  it('give a typed error for any altered byte, whoever opens it', () => {
    fc.assert(
      fc.property(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, delta, asParent) => {
        const bad = sealed.slice();
        bad[at] = ((bad[at] as number) + delta) & 0xff;
        const code = thrown(() => openEnvelope(sodium, bad, asParent ? parent : toy)).code;
        expect(['CORRUPT', 'UNSUPPORTED_FORMAT', 'NOT_A_RECIPIENT', 'INTEGRITY', 'BAD_SIGNATURE', 'TRUNCATED']).toContain(code);
      }),
      { numRuns: 400 },
    );
  });

  it('cannot be re-addressed by a recipient: the signature names the original recipients', () => {
    // The parent decrypts its copy with its own key (as any recipient can), then re-seals the
    // very same signed body to a stranger under a new ephemeral key and a new content key.
    const r = new ByteReader(sealed, 'envelope');
    const header = readEnvelopeHeader(sealed);
    r.bytes(sealed.length - header.bodyLength, 'header');
    const slot = header.recipients[1] as { slot: Uint8Array; wrappedKey: Uint8Array };
    const mine = sodium.crypto_kx_server_session_keys(parent.envelope.publicKey, parent.envelope.secretKey, header.ephemeral);
    const context = (what: string) => new TextEncoder().encode(`plushlink envelope ${what} v3\0`);
    const wrapAd = (slotId: Uint8Array) => concatBytes([context('key wrap'), header.id, slotId]);
    const nonce = new Uint8Array(24);
    const contentKey = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, slot.wrappedKey, wrapAd(slot.slot), nonce, mine.sharedRx);
    const inner = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, r.rest(), sealed.subarray(0, sealed.length - header.bodyLength), nonce, contentKey);

    const eph = sodium.crypto_kx_keypair();
    const newKey = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    const toStranger = sodium.crypto_kx_client_session_keys(eph.publicKey, eph.privateKey, stranger.envelope.publicKey);
    const strangerSlot = sodium.crypto_generichash(16, concatBytes([context('slot'), header.id]), toStranger.sharedRx);
    const newHeader = new ByteWriter()
      .bytes(ENVELOPE_MAGIC).u8(3).u8(1).bytes(header.id).u64(header.time, false).bytes(eph.publicKey).u8(1)
      .bytes(strangerSlot)
      .bytes(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(newKey, wrapAd(strangerSlot), null, nonce, toStranger.sharedTx))
      .u32be(header.bodyLength)
      .finish();
    const readdressed = concatBytes([newHeader, sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(inner, newHeader, null, nonce, newKey)]);

    expect(readEnvelopeHeader(readdressed).recipients).toHaveLength(1);
    expect(thrown(() => openEnvelope(sodium, readdressed, stranger)).code).toBe('BAD_SIGNATURE');
  });

  it('give a typed error for arbitrary bytes, also behind a valid magic and version', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, prefixed) => {
        const input = prefixed ? concatBytes([ENVELOPE_MAGIC, Uint8Array.of(3, 1), bytes]) : bytes;
        return parsesOrAudioError(() => openEnvelope(sodium, input, toy)) && parsesOrAudioError(() => readEnvelopeHeader(input));
      }),
      { numRuns: 300 },
    );
  });

  it('refuse impossible inputs to sealing as INVALID_ARGUMENT', () => {
    expect(thrown(() => sealEnvelope(sodium, { audio, sender: grandma, recipients: [], time })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => sealEnvelope(sodium, { audio, sender: grandma, recipients: [publicOf(toy)], time: -1 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => sealEnvelope(sodium, { audio, sender: grandma, recipients: [{ envelope: new Uint8Array(5) }], time })).code).toBe(
      'INVALID_ARGUMENT',
    );
  });
});
