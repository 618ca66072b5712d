// Noise_XXpsk3_25519_ChaChaPoly_SHA256 and Noise_KK_25519_ChaChaPoly_SHA256 against published
// vectors: cacophony's vector file (haskell-cryptography/cacophony vectors/cacophony.txt, as
// vendored in mcginty/snow tests/vectors/cacophony.txt at commit 8ac60f5). Each vector fixes both
// sides' static and ephemeral keys, the prologue and the psk, and lists every message, the
// handshake messages first and then transport messages, alternating initiator and responder.
import { utf8 } from '../../../pairing/bytes';
import type { CipherState } from '../../../pairing/noise/cipher-state';
import { HandshakeState, x25519KeyPairFromSecret } from '../../../pairing/noise/handshake-state';
import { KK, type HandshakePattern, XXpsk3, protocolName } from '../../../pairing/noise/patterns';
import { Session } from '../../../pairing/transport';
import { errorCode, hex, toHex, useSodium } from '../helpers';

const sodium = useSodium();

interface Vector {
  readonly pattern: HandshakePattern;
  readonly prologue: string;
  readonly psk?: string;
  readonly initStatic: string;
  readonly initEphemeral: string;
  readonly respStatic: string;
  readonly respEphemeral: string;
  readonly handshakeHash: string;
  readonly messages: readonly { readonly payload: string; readonly ciphertext: string }[];
}

// Shared by both vectors: prologue "John Galt", the same static and ephemeral secrets.
const COMMON = {
  prologue: '4a6f686e2047616c74',
  initStatic: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  respStatic: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
};

const KK_VECTOR: Vector = {
  ...COMMON,
  pattern: KK,
  handshakeHash: '24c6b51ecb76277140ca018b5985bc9f03de321dae2d34dcae433dafef0131d9',
  messages: [
    {
      payload: '4c756477696720766f6e204d69736573',
      ciphertext:
        'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79440177015efc1fe7a37c629af7120a96274e6ab7afcc9261901d0e09ae32a5bb96',
    },
    {
      payload: '4d757272617920526f746862617264',
      ciphertext:
        '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843b274d3429adc47ca093ba63ef90f8da89fda108db471dccfa4894aa7b00003',
    },
    { payload: '462e20412e20486179656b', ciphertext: '966b05bc69ec01b8454d3160a214e6f24a3d884eb31ec2408af63f' },
    { payload: '4361726c204d656e676572', ciphertext: '0ad887fba4f611bbb4afe44ba3556b8164332ca7d5934634d63d80' },
    {
      payload: '4a65616e2d426170746973746520536179',
      ciphertext: '012b28ae646ae7830e2c5472cb023eab071c1db3d8413ec69b513b83832f974c2d',
    },
    {
      payload: '457567656e2042f6686d20766f6e2042617765726b',
      ciphertext: 'bb3e6a48160d9c5971d37f975727294e0d868342db31832e54d07191ab0ca3c3703b5ed3d9',
    },
  ],
};

const XXPSK3_VECTOR: Vector = {
  ...COMMON,
  pattern: XXpsk3,
  psk: '54686973206973206d7920417573747269616e20706572737065637469766521',
  handshakeHash: 'a477edf6a131bbdb54707f6ea30eab6cd935d9b560f0e5fd1f053a95a99669fb',
  messages: [
    {
      payload: '4c756477696720766f6e204d69736573',
      ciphertext:
        'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944c9f5ff0e8079630cb7e270c20bbf480821b77a384a645c71a2fd9b3db1c16a5f',
    },
    {
      payload: '4d757272617920526f746862617264',
      ciphertext:
        '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843b123def17f71e6ae8e57e0e1dec5949c5f7415c6f33517398747d821a06dc23ad430aa1fd7381d46195c378a819fd574425462cbb2d4ca339e738a0b7001dc91423fbf55a99af0c6f1df21012ceb2f',
    },
    {
      payload: '462e20412e20486179656b',
      ciphertext:
        '52187316111b118d4c060364f7b975dc0809b2590779aff2d63113c564f11744493384db7bf32d5ae6686df6ab06d508d2e07caaf1d6afc010b978735fc78900e71ae1d314130d042e729a',
    },
    { payload: '4361726c204d656e676572', ciphertext: 'eaedc672d4c21e0e2955758756fb98f194c4e90d5deb5b6cf30b27' },
    {
      payload: '4a65616e2d426170746973746520536179',
      ciphertext: '522d543c5fe799d09a3d9da7ff54d0dc03c8af1dc7751d2ff708339d2290943e98',
    },
    {
      payload: '457567656e2042f6686d20766f6e2042617765726b',
      ciphertext: '7d4e2c3873eef6a213b04e72f9df60a91666072d3544c5d96c34a09e2329b5030bee796741',
    },
  ],
};

function handshakePair(v: Vector): [HandshakeState, HandshakeState] {
  const s = sodium();
  const iS = x25519KeyPairFromSecret(s, hex(v.initStatic));
  const rS = x25519KeyPairFromSecret(s, hex(v.respStatic));
  const known = v.pattern.preMessages;
  const common = { pattern: v.pattern, prologue: hex(v.prologue), ...(v.psk ? { psk: hex(v.psk) } : {}) };
  const initiator = new HandshakeState(s, {
    ...common,
    initiator: true,
    s: iS,
    e: x25519KeyPairFromSecret(s, hex(v.initEphemeral)),
    ...(known.responder ? { rs: rS.publicKey } : {}),
  });
  const responder = new HandshakeState(s, {
    ...common,
    initiator: false,
    s: rS,
    e: x25519KeyPairFromSecret(s, hex(v.respEphemeral)),
    ...(known.initiator ? { rs: iS.publicKey } : {}),
  });
  return [initiator, responder];
}

describe.each([
  ['XXpsk3', XXPSK3_VECTOR],
  ['KK', KK_VECTOR],
])('Noise %s (cacophony vector)', (_name, v) => {
  it(`names the protocol ${protocolName(v.pattern)}`, () => {
    expect(protocolName(v.pattern)).toMatch(/^Noise_(XXpsk3|KK)_25519_ChaChaPoly_SHA256$/);
  });

  it('reproduces every handshake message, the handshake hash and the transport messages', () => {
    const [initiator, responder] = handshakePair(v);
    const handshakeLength = v.pattern.messages.length;
    for (const [i, m] of v.messages.slice(0, handshakeLength).entries()) {
      const [writer, reader] = i % 2 === 0 ? [initiator, responder] : [responder, initiator];
      const ciphertext = writer.writeMessage(hex(m.payload));
      expect(toHex(ciphertext)).toBe(m.ciphertext);
      expect(toHex(reader.readMessage(ciphertext))).toBe(m.payload);
    }
    expect(initiator.isComplete && responder.isComplete).toBe(true);
    const iResult = initiator.split();
    const rResult = responder.split();
    expect(toHex(iResult.handshakeHash)).toBe(v.handshakeHash);
    expect(toHex(rResult.handshakeHash)).toBe(v.handshakeHash);
    const ciphers: Record<'i' | 'r', { send: CipherState; receive: CipherState }> = { i: iResult, r: rResult };
    for (const [i, m] of v.messages.slice(handshakeLength).entries()) {
      const [from, to] = (handshakeLength + i) % 2 === 0 ? (['i', 'r'] as const) : (['r', 'i'] as const);
      const ciphertext = ciphers[from].send.encryptWithAd(new Uint8Array(0), hex(m.payload));
      expect(toHex(ciphertext)).toBe(m.ciphertext);
      expect(toHex(ciphers[to].receive.decryptWithAd(new Uint8Array(0), ciphertext))).toBe(m.payload);
    }
  });

  it('puts the vector ciphertexts on the wire after an explicit counter', () => {
    const [initiator, responder] = handshakePair(v);
    const handshakeLength = v.pattern.messages.length;
    for (const [i, m] of v.messages.slice(0, handshakeLength).entries()) {
      const [writer, reader] = i % 2 === 0 ? [initiator, responder] : [responder, initiator];
      reader.readMessage(writer.writeMessage(hex(m.payload)));
    }
    const sessions = { i: new Session(initiator.split()), r: new Session(responder.split()) };
    const sent = { i: 0n, r: 0n };
    for (const [i, m] of v.messages.slice(handshakeLength).entries()) {
      const [from, to] = (handshakeLength + i) % 2 === 0 ? (['i', 'r'] as const) : (['r', 'i'] as const);
      const wire = sessions[from].seal(hex(m.payload));
      const counter = toHex(new Uint8Array(new BigUint64Array([sent[from]]).buffer));
      sent[from] += 1n;
      expect(toHex(wire)).toBe(counter + m.ciphertext);
      expect(toHex(sessions[to].open(wire))).toBe(m.payload);
    }
  });
});

describe('HandshakeState', () => {
  it('fails XXpsk3 at the third message when the psks differ, and then refuses everything', () => {
    const s = sodium();
    const keys = () => x25519KeyPairFromSecret(s, s.randombytes_buf(32));
    const prologue = utf8('test');
    const i = new HandshakeState(s, { pattern: XXpsk3, initiator: true, prologue, s: keys(), psk: new Uint8Array(32).fill(1) });
    const r = new HandshakeState(s, { pattern: XXpsk3, initiator: false, prologue, s: keys(), psk: new Uint8Array(32).fill(2) });
    r.readMessage(i.writeMessage());
    i.readMessage(r.writeMessage());
    const third = i.writeMessage();
    expect(errorCode(() => r.readMessage(third))).toBe('DECRYPT_FAILED');
    expect(errorCode(() => r.readMessage(third))).toBe('CLOSED');
    expect(errorCode(() => r.split())).toBe('UNEXPECTED_MESSAGE');
  });

  it('refuses to write out of turn and to read a message cut short', () => {
    const s = sodium();
    const i = new HandshakeState(s, { pattern: XXpsk3, initiator: true, prologue: new Uint8Array(0) });
    const r = new HandshakeState(s, { pattern: XXpsk3, initiator: false, prologue: new Uint8Array(0) });
    expect(errorCode(() => r.writeMessage())).toBe('UNEXPECTED_MESSAGE');
    expect(errorCode(() => r.readMessage(i.writeMessage().subarray(0, 31)))).toBe('MALFORMED');
  });

  it('rejects a low-order ephemeral key (all-zero DH output)', () => {
    const s = sodium();
    const rs = x25519KeyPairFromSecret(s, s.randombytes_buf(32));
    const is = x25519KeyPairFromSecret(s, s.randombytes_buf(32));
    const r = new HandshakeState(s, { pattern: KK, initiator: false, prologue: new Uint8Array(0), s: rs, rs: is.publicKey });
    expect(errorCode(() => r.readMessage(new Uint8Array(48)))).toBe('INVALID_POINT');
  });
});
