// The phone's store file: its three role keys come back exactly, and a store written before
// protocol 3 (one X25519 key for Noise and envelopes, bonds without the toys' envelope keys) is
// refused with a typed error that says so, and left as it was.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePhoneStore } from '../../client/phone-store';
import { ToyClientError } from '../../client/errors';
import { toHex } from '../../pairing/bytes';
import { type Sodium, sodiumReady } from '../../pairing/sodium';

describe('the phone store file', () => {
  let sodium: Sodium;
  let dir: string;
  beforeAll(async () => (sodium = await sodiumReady()));
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'plushlink-phone-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one key per role and reads them back', () => {
    const path = join(dir, 'phone.json');
    const made = FilePhoneStore.open(sodium, path);
    expect(made.keys.envelope.publicKey).not.toEqual(made.keys.static.publicKey);
    expect(FilePhoneStore.open(sodium, path).keys).toEqual(made.keys);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ v: 2, keys: { envelopePublic: toHex(made.keys.envelope.publicKey) } });
  });

  it('refuses a store from before protocol 3 as BAD_INPUT, saying why, and leaves it as it is', () => {
    const path = join(dir, 'old-phone.json');
    const key = (): string => toHex(sodium.randombytes_buf(32));
    const old = JSON.stringify({ v: 1, keys: { staticPublic: key(), staticSecret: key(), signingPublic: key(), signingSecret: key() + key() }, bonds: [] });
    writeFileSync(path, old);
    let error: unknown;
    try {
      FilePhoneStore.open(sodium, path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ToyClientError);
    expect(error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('before protocol 3') });
    expect(readFileSync(path, 'utf8')).toBe(old);
  });
});
