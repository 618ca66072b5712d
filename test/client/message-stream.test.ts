// A message sealed while it is encoded: the envelope it makes opens to exactly the Opus packets
// encodeOpus makes of the same recording, within the bound its header announced, and its bytes
// become available a page at a time, not all at the end.
import { openEnvelope, readEnvelopeHeader } from '../../audio/envelope';
import { readOggOpus } from '../../audio/ogg-opus';
import { encodeOpus } from '../../audio/opus-codec';
import { readWav } from '../../audio/wav';
import { MessageStream } from '../../client/message-stream';
import { generatePartyKeys, publicKeys } from '../../pairing/identity';
import { sodiumReady } from '../../pairing/sodium';
import { loudNoiseWav, voiceWav } from './helpers';

describe('a message sealed while it is encoded', () => {
  it('grows page by page and opens to the packets encodeOpus makes, inside its announced bound', async () => {
    const sodium = await sodiumReady();
    const [phone, toy] = [generatePartyKeys(sodium), generatePartyKeys(sodium)];
    const wav = voiceWav(3);
    const message = new MessageStream(sodium, wav, phone, publicKeys(toy), 1_750_000_000_000);
    const sizes: number[] = [];
    while (!message.done) {
      message.encode(10);
      sizes.push(message.outgoing.body.length);
    }
    // Bytes were there to send long before the end: after each second's page.
    expect(sizes.filter((n, i) => i > 0 && n > sizes[i - 1]!).length).toBeGreaterThanOrEqual(3);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeGreaterThan(0);
    const envelope = message.envelope();
    const header = readEnvelopeHeader(envelope);
    expect(header.version).toBe(4);
    expect(header.bodyLength).toBeLessThan(header.maxBodyLength!);
    const opened = openEnvelope(sodium, envelope, toy, { senders: [publicKeys(phone)] });
    expect(readOggOpus(opened.audio).stream.packets).toEqual(encodeOpus(readWav(wav)).packets);
  });

  it('refuses to hand back an envelope whose encoding was abandoned', async () => {
    const sodium = await sodiumReady();
    const message = new MessageStream(sodium, voiceWav(1), generatePartyKeys(sodium), publicKeys(generatePartyKeys(sodium)), 1);
    message.encode(5);
    message.close();
    expect(() => message.envelope()).toThrow(/abandoned/);
  });

  it("keeps the loudest audio found (full-scale random samples, ~33 kbit/s) inside the default bound", async () => {
    const sodium = await sodiumReady();
    const message = new MessageStream(sodium, loudNoiseWav(3), generatePartyKeys(sodium), publicKeys(generatePartyKeys(sodium)), 1);
    const header = readEnvelopeHeader(message.envelope());
    expect(header.version).toBe(4);
    expect(header.bodyLength).toBeLessThanOrEqual(header.maxBodyLength!);
  });

  it('announces a tighter bound for a lower boundBitrate, and refuses one that is not a positive integer', async () => {
    const sodium = await sodiumReady();
    const [phone, toy] = [generatePartyKeys(sodium), publicKeys(generatePartyKeys(sodium))];
    const bound = (boundBitrate?: number) =>
      readEnvelopeHeader(new MessageStream(sodium, voiceWav(1), phone, toy, 1, boundBitrate === undefined ? {} : { boundBitrate }).envelope()).maxBodyLength!;
    expect(bound(16_000)).toBeLessThan(bound());
    expect(bound(32_000)).toBe(bound());
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new MessageStream(sodium, voiceWav(1), phone, toy, 1, { boundBitrate: bad })).toThrow(/boundBitrate/);
  });
});
