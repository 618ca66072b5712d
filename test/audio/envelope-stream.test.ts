// Streamed envelopes (version 4): sealed record by record as audio arrives, opened by the same
// openEnvelope as version 3, and refused with a typed error when truncated, reordered, spliced
// from another stream or signed by someone else.
import type { PartyKeys } from '../../pairing/keys';
import type { Sodium } from '../../pairing/sodium';
import { sodiumReady } from '../../pairing/sodium';
import { ByteWriter, asciiBytes, concatBytes } from '../../audio/bytes';
import { headerBytes, openEnvelope, readEnvelopeHeader } from '../../audio/envelope';
import { EnvelopeStreamSealer, STREAM_ENVELOPE_VERSION, streamBodyBound } from '../../audio/envelope-stream';
import { envelopeRecords, thrown } from './fixtures';
import { makeParty, publicOf, senderOf } from './parties';

describe('streamed voice envelopes (version 4)', () => {
  let sodium: Sodium;
  let grandma: PartyKeys;
  let toy: PartyKeys;
  let stranger: PartyKeys;
  const time = Date.UTC(2026, 10, 29, 22, 0);
  const pieces = [300, 1, 2000, 57].map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + k) & 0xff));
  const audio = concatBytes(pieces);

  /** Header, then each push's body bytes and the finish's, as they would travel. */
  function stream(sender = grandma, parts = pieces, maxAudioBytes = 4096): { header: Uint8Array; body: Uint8Array[] } {
    const sealer = new EnvelopeStreamSealer(sodium, { sender, recipients: [publicOf(toy)], time, maxAudioBytes, maxPushes: parts.length });
    return { header: sealer.header, body: [...parts.map((p) => sealer.push(p)), sealer.finish()] };
  }
  const whole = (s: { header: Uint8Array; body: Uint8Array[] }): Uint8Array => concatBytes([s.header, ...s.body]);

  beforeAll(async () => {
    sodium = await sodiumReady();
    [grandma, toy, stranger] = [makeParty(sodium), makeParty(sodium), makeParty(sodium)];
  });

  it('opens with openEnvelope: the audio pushed, the id, the time and the proven sender', () => {
    const envelope = whole(stream());
    const header = readEnvelopeHeader(envelope);
    expect(header.version).toBe(STREAM_ENVELOPE_VERSION);
    expect(header.maxBodyLength).toBe(streamBodyBound(4096, pieces.length));
    expect(header.bodyLength).toBeLessThanOrEqual(header.maxBodyLength!);
    const opened = openEnvelope(sodium, envelope, toy, { senders: [publicOf(grandma)] });
    expect(opened.audio).toEqual(audio);
    expect(opened.time).toBe(time);
    expect(opened.sender).toEqual(senderOf(grandma));
  });

  it('is refused to anyone not among its recipients, and to trusted-sender lists without its sender', () => {
    const envelope = whole(stream());
    expect(thrown(() => openEnvelope(sodium, envelope, stranger)).code).toBe('NOT_A_RECIPIENT');
    expect(thrown(() => openEnvelope(sodium, envelope, toy, { senders: [publicOf(stranger)] })).code).toBe('UNKNOWN_SENDER');
  });

  it('refuses a stream cut at any record boundary (TRUNCATED) or inside a record', () => {
    const { header, records: rs } = envelopeRecords(whole(stream()));
    for (let keep = 0; keep < rs.length; keep++) {
      expect(thrown(() => openEnvelope(sodium, concatBytes([header, ...rs.slice(0, keep)]), toy)).code).toBe('TRUNCATED');
    }
    const envelope = whole(stream());
    expect(thrown(() => openEnvelope(sodium, envelope.subarray(0, envelope.length - 5), toy)).code).toBe('TRUNCATED');
  });

  it('refuses records swapped, dropped from the middle or repeated (INTEGRITY)', () => {
    const { header, records: rs } = envelopeRecords(whole(stream()));
    const swapped = [rs[0]!, rs[2]!, rs[1]!, ...rs.slice(3)];
    const dropped = [rs[0]!, rs[1]!, ...rs.slice(3)];
    const repeated = [rs[0]!, rs[1]!, rs[1]!, ...rs.slice(2)];
    for (const body of [swapped, dropped, repeated]) expect(thrown(() => openEnvelope(sodium, concatBytes([header, ...body]), toy)).code).toBe('INTEGRITY');
  });

  it('refuses a record spliced in from another envelope to the same recipient (INTEGRITY)', () => {
    const a = envelopeRecords(whole(stream()));
    const b = envelopeRecords(whole(stream()));
    const spliced = [a.records[0]!, b.records[1]!, ...a.records.slice(2)];
    expect(thrown(() => openEnvelope(sodium, concatBytes([a.header, ...spliced]), toy)).code).toBe('INTEGRITY');
    // b's body under a's header: the first record's associated data (the header) no longer matches.
    expect(thrown(() => openEnvelope(sodium, concatBytes([a.header, ...b.records]), toy)).code).toBe('INTEGRITY');
  });

  it('refuses a stream whose final signature is not the named sender’s (BAD_SIGNATURE)', () => {
    // A sealer that names grandma's keys but signs with the stranger's secret key.
    const forger = { ...grandma, signing: { ...grandma.signing, secretKey: stranger.signing.secretKey } };
    const envelope = whole(stream(forger));
    expect(thrown(() => openEnvelope(sodium, envelope, toy)).code).toBe('BAD_SIGNATURE');
  });

  it('refuses bytes after the final record, and any altered byte, with a typed error', () => {
    const envelope = whole(stream());
    const extended = concatBytes([envelope, new Uint8Array([0, 17]), new Uint8Array(17)]);
    // The header's bound still allows a few more bytes: the trailing record itself is refused.
    const header = readEnvelopeHeader(envelope);
    expect(extended.length - (envelope.length - header.bodyLength)).toBeLessThanOrEqual(header.maxBodyLength!);
    expect(thrown(() => openEnvelope(sodium, extended, toy)).code).toBe('CORRUPT');
    for (let i = 0; i < envelope.length; i += 37) {
      const altered = envelope.slice();
      altered[i] = altered[i]! ^ 0x40;
      expect(['CORRUPT', 'INTEGRITY', 'NOT_A_RECIPIENT', 'TRUNCATED', 'UNSUPPORTED_FORMAT', 'BAD_SIGNATURE']).toContain(thrown(() => openEnvelope(sodium, altered, toy)).code);
    }
  });

  it("cannot be made by a fellow recipient, who knows the content key, to speak for its sender: the signature covers the header and every byte", () => {
    const parent = makeParty(sodium);
    const sealer = new EnvelopeStreamSealer(sodium, { sender: grandma, recipients: [publicOf(toy), publicOf(parent)], time, maxAudioBytes: 4096, maxPushes: 1 });
    const original = concatBytes([sealer.header, sealer.push(audio), sealer.finish()]);
    const header = readEnvelopeHeader(original);
    // The parent unwraps the content key from its own slot, as openEnvelope does.
    const { sharedRx, sharedTx } = sodium.crypto_kx_server_session_keys(parent.envelope.publicKey, parent.envelope.secretKey, header.ephemeral);
    const slot = sodium.crypto_generichash(16, concatBytes([asciiBytes('plushlink envelope slot v3\0'), header.id]), sharedTx);
    const wrapped = header.recipients.find((r) => sodium.memcmp(r.slot, slot))!.wrappedKey;
    const key = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, wrapped, concatBytes([asciiBytes('plushlink envelope key wrap v3\0'), header.id, slot]), new Uint8Array(24), sharedRx);
    // ...reads grandma's records, her signature among them...
    const { records } = envelopeRecords(original);
    const pull = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header.streamHeader!, key);
    const plain = records.map((r, i) => (sodium.crypto_secretstream_xchacha20poly1305_pull(pull, r.subarray(2), i === 0 ? original.subarray(0, original.length - header.bodyLength) : null) as { message: Uint8Array }).message);
    const signature = plain[plain.length - 1]!;
    /** ...and seals a stream of its own under the same key, wrapped keys and recipients. */
    const forge = (senderKeys: Uint8Array, body: Uint8Array, sign: (header: Uint8Array, hash: Uint8Array) => Uint8Array): Uint8Array => {
      const push = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
      const forged = headerBytes({ ...header, streamHeader: push.header });
      const record = (m: Uint8Array, tag: number, ad: Uint8Array | null): Uint8Array => {
        const c = sodium.crypto_secretstream_xchacha20poly1305_push(push.state, m, ad, tag);
        return concatBytes([new ByteWriter().u16be(c.length).finish(), c]);
      };
      const hash = sodium.crypto_generichash(64, concatBytes([senderKeys, body]), null);
      return concatBytes([forged, record(senderKeys, 0, forged), record(body, 0, null), record(sign(forged, hash), 3, null)]);
    };
    const grandmaKeys = concatBytes([grandma.signing.publicKey, grandma.envelope.publicKey]);
    const altered = audio.map((b) => b ^ 1);
    // Grandma's keys and signature over other audio, or over her own audio under another stream header.
    expect(thrown(() => openEnvelope(sodium, forge(grandmaKeys, altered, () => signature), toy)).code).toBe('BAD_SIGNATURE');
    expect(thrown(() => openEnvelope(sodium, forge(grandmaKeys, audio, () => signature), toy)).code).toBe('BAD_SIGNATURE');
    // Signed by the parent itself, it is the parent's message (as with version 3), never grandma's.
    const parentKeys = concatBytes([parent.signing.publicKey, parent.envelope.publicKey]);
    const own = forge(parentKeys, audio, (h, hash) => sodium.crypto_sign_detached(concatBytes([asciiBytes('plushlink voice envelope v4\0'), h, hash]), parent.signing.secretKey));
    expect(openEnvelope(sodium, own, toy).sender).toEqual(senderOf(parent));
    expect(thrown(() => openEnvelope(sodium, own, toy, { senders: [publicOf(grandma)] })).code).toBe('UNKNOWN_SENDER');
  });

  it('keeps to the body bound announced up front: a push beyond it is TOO_LARGE and changes nothing', () => {
    const sealer = new EnvelopeStreamSealer(sodium, { sender: grandma, recipients: [publicOf(toy)], time, maxAudioBytes: 100, maxPushes: 2 });
    const first = sealer.push(new Uint8Array(60));
    expect(thrown(() => sealer.push(new Uint8Array(200))).code).toBe('TOO_LARGE');
    const envelope = concatBytes([sealer.header, first, sealer.push(new Uint8Array(40)), sealer.finish()]);
    expect(openEnvelope(sodium, envelope, toy).audio).toEqual(new Uint8Array(100));
    expect(readEnvelopeHeader(envelope).bodyLength).toBeLessThanOrEqual(streamBodyBound(100, 2));
  });
});
