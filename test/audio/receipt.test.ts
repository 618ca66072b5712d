// Delivery receipts: the toy's signed word that it played a message, sealed for the message's
// sender alone; its cleartext is shaped like a voice message's, so only opening tells them apart.
import type { PartyKeys } from '../../pairing/keys';
import { type Sodium, sodiumReady } from '../../pairing/sodium';
import { ByteWriter } from '../../audio/bytes';
import { readEnvelopeHeader, sealEnvelope } from '../../audio/envelope';
import { isReceiptPayload, openReceipt, readReceiptPayload, RECEIPT_MAGIC, sealReceipt } from '../../audio/receipt';
import { thrown } from './fixtures';
import { makeParty, publicOf } from './parties';

describe('delivery receipts', () => {
  let sodium: Sodium;
  let grandma: PartyKeys;
  let toy: PartyKeys;
  let parent: PartyKeys;
  const message = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const playedAt = Date.UTC(2026, 10, 29, 19, 0);
  let receipt: Uint8Array;

  beforeAll(async () => {
    sodium = await sodiumReady();
    [grandma, toy, parent] = [makeParty(sodium), makeParty(sodium), makeParty(sodium)];
    receipt = sealReceipt(sodium, { message, playedAt, toy, sender: publicOf(grandma) });
  });

  it('open for the sender, naming the played message and when it played', () => {
    const opened = openReceipt(sodium, receipt, grandma, publicOf(toy));
    expect(opened.message).toEqual(message);
    expect(opened.playedAt).toBe(playedAt);
    expect(opened.id).toHaveLength(16);
  });

  it('open for nobody else, and only as the toy’s', () => {
    expect(thrown(() => openReceipt(sodium, receipt, parent, publicOf(toy))).code).toBe('NOT_A_RECIPIENT');
    expect(thrown(() => openReceipt(sodium, receipt, grandma, publicOf(parent))).code).toBe('UNKNOWN_SENDER');
    const forged = sealReceipt(sodium, { message, playedAt, toy: parent, sender: publicOf(grandma) });
    expect(thrown(() => openReceipt(sodium, forged, grandma, publicOf(toy))).code).toBe('UNKNOWN_SENDER');
    const altered = Uint8Array.from(receipt);
    altered[altered.length - 5]! ^= 1;
    expect(thrown(() => openReceipt(sodium, altered, grandma, publicOf(toy))).code).toBe('INTEGRITY');
  });

  it('look like a voice message to whoever holds them sealed: same content type and recipient count, a fresh id each time', () => {
    const voice = sealEnvelope(sodium, { audio: new Uint8Array(30), sender: grandma, recipients: [publicOf(toy)], time: playedAt });
    const [r, v] = [readEnvelopeHeader(receipt), readEnvelopeHeader(voice)];
    expect([r.version, r.contentType, r.recipients.length]).toEqual([v.version, v.contentType, v.recipients.length]);
    const again = readEnvelopeHeader(sealReceipt(sodium, { message, playedAt, toy, sender: publicOf(grandma) }));
    expect(again.id).not.toEqual(r.id);
    expect(Buffer.from(receipt).indexOf(Buffer.from(message))).toBe(-1);
  });

  it('refuse a payload that is not a receipt of this version', () => {
    expect(isReceiptPayload(Uint8Array.from(Buffer.from('OggS')))).toBe(false);
    const payload = (version: number, kind: number): Uint8Array => new ByteWriter().bytes(RECEIPT_MAGIC).u8(version).u8(kind).bytes(message).u64(playedAt, false).finish();
    expect(readReceiptPayload(payload(1, 1))).toEqual({ message, playedAt });
    expect(thrown(() => readReceiptPayload(payload(2, 1))).code).toBe('UNSUPPORTED_FORMAT');
    expect(thrown(() => readReceiptPayload(payload(1, 9))).code).toBe('UNSUPPORTED_FORMAT');
    expect(thrown(() => readReceiptPayload(payload(1, 1).subarray(0, 20))).code).toBe('TRUNCATED');
    expect(thrown(() => sealReceipt(sodium, { message: message.subarray(0, 8), playedAt, toy, sender: publicOf(grandma) })).code).toBe('INVALID_ARGUMENT');
  });
});
