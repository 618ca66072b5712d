// The family model's membership rules at the protocol level (docs/THREAT-MODEL.md, "Family
// model"): one bond per phone key, an owner stays owner whatever it pairs again with, and the
// toy never ends up without a usable owner.
import { useSodium } from './helpers';
import { bondFromGrant, encodeGrant, encodePhoneKeys, parseGrant, parsePhoneKeys } from '../../pairing/grant';
import { generatePartyKeys, publicKeys } from '../../pairing/identity';
import { utf8 } from '../../pairing/bytes';
import { CPace, sampleScalar } from '../../pairing/cpace';
import { decodeFrame, encodeFrame } from '../../pairing/frame';
import { PHONE_AD, TOY_AD, destinationId } from '../../pairing/key-schedule';
import { PhoneConnection } from '../../pairing/phone';
import { eventTypes, newToy, pairPhone, pump } from './world';
import type { Toy } from '../../pairing/toy';
import type { PairedPhone } from './world';

const sodium = useSodium();

/** A toy with an owner paired at t=1000. */
function ownedToy(): { toy: Toy; owner: PairedPhone } {
  const toy = newToy(sodium());
  toy.pawPress(1_000);
  const owner = pairPhone(sodium(), toy, 1_000, toy.identity.code, 'Parent');
  return { toy, owner };
}

/** The owner asks for an invitation; returns the one-time code another phone pairs with. */
function invite(toy: Toy, owner: PairedPhone, now: number) {
  return toy.invite(owner.toyConnection.bond!.bondId, now).code;
}

describe('one bond per phone', () => {
  it('replaces a member’s bond when the same phone pairs again, so the toy lists it once', () => {
    const { toy, owner } = ownedToy();
    const first = pairPhone(sodium(), toy, 2_000, invite(toy, owner, 2_000), 'Grandma');
    expect(first.phone.bond?.role).toBe('member');
    const again = pairPhone(sodium(), toy, 3_000, invite(toy, owner, 3_000), 'Grandma again', first.keys);
    expect(again.phone.bond?.role).toBe('member');
    const grandmas = toy.bonds.list().filter((b) => b.role === 'member');
    expect(grandmas).toEqual([again.toyConnection.bond]);
    expect(toy.bonds.list()).toHaveLength(2);
  });

  it('keeps the owner owner when its phone pairs again through an invitation, and it can still invite', () => {
    const { toy, owner } = ownedToy();
    const again = pairPhone(sodium(), toy, 2_000, invite(toy, owner, 2_000), 'Parent', owner.keys);
    expect(again.phone.bond?.role).toBe('owner');
    expect(toy.bonds.list().map((b) => [b.bondId, b.role])).toEqual([[again.phone.bond!.bondId, 'owner']]);
    expect(() => toy.invite(again.phone.bond!.bondId, 3_000)).not.toThrow();
  });
});

describe('the tag code pairs the first owner only; members come by one-time invitation', () => {
  it('refuses the tag code once the toy has an owner, even in an open window and with an invitation out', () => {
    const { toy, owner } = ownedToy();
    toy.pawPress(2_000);
    expect(eventTypes(pairPhone(sodium(), toy, 2_001).exchange.phone)).toEqual(['rejected:INVITE_REQUIRED']);
    invite(toy, owner, 3_000);
    expect(eventTypes(pairPhone(sodium(), toy, 3_001).exchange.phone)).toEqual(['rejected:WRONG_CODE']);
    expect(toy.bonds.list()).toHaveLength(1);
  });

  it('draws a fresh ten-digit code per invitation, unlike the tag code and every earlier one', () => {
    const { toy, owner } = ownedToy();
    const codes = Array.from({ length: 20 }, (_, i) => invite(toy, owner, 2_000 + i));
    expect(new Set([...codes, toy.identity.code]).size).toBe(21);
    for (const code of codes) expect(code).toMatch(/^[0-9]{10}$/);
  });

  it('opens the window for the invitation without a paw press, and records how each phone joined', () => {
    const { toy, owner } = ownedToy();
    expect(toy.status(2_000).open).toBe(false);
    const member = pairPhone(sodium(), toy, 2_500, invite(toy, owner, 2_000), 'Grandma');
    expect(member.phone.bond).toMatchObject({ role: 'member', joined: 'invitation' });
    expect(toy.bonds.list().map((b) => [b.label, b.role, b.joined, b.createdAt])).toEqual([
      ['Parent', 'owner', 'tag-code', 1_000],
      ['Grandma', 'member', 'invitation', 2_500],
    ]);
  });

  it('lets a revoked member back in neither with the tag code nor with its old invitation', () => {
    const { toy, owner } = ownedToy();
    const code = invite(toy, owner, 2_000);
    const member = pairPhone(sodium(), toy, 2_001, code, 'Babysitter');
    toy.revoke(owner.phone.bond!.bondId, member.phone.bond!.bondId);
    toy.pawPress(3_000);
    for (const tried of [toy.identity.code, code]) {
      expect(eventTypes(pairPhone(sodium(), toy, 3_001, tried, 'Babysitter', member.keys).exchange.phone)).toEqual(['rejected:INVITE_REQUIRED']);
    }
    // Even while a new invitation (for someone else) is out, the old code and the tag code are wrong.
    invite(toy, owner, 4_000);
    for (const tried of [toy.identity.code, code]) {
      expect(eventTypes(pairPhone(sodium(), toy, 4_001, tried, 'Babysitter', member.keys).exchange.phone)).toEqual(['rejected:WRONG_CODE']);
    }
    expect(toy.bonds.list().map((b) => b.label)).toEqual(['Parent']);
  });

  it('lifts a lockout a stranger caused when the owner invites', () => {
    const { toy, owner } = ownedToy();
    const first = invite(toy, owner, 2_000);
    for (let i = 0; i < 3; i++) pairPhone(sodium(), toy, 2_001 + i, toy.identity.code, 'Stranger');
    expect(toy.status(2_010)).toMatchObject({ open: false, reason: 'LOCKED_OUT' });
    expect(eventTypes(pairPhone(sodium(), toy, 2_011, first).exchange.phone)).toEqual(['rejected:LOCKED_OUT']);
    const second = invite(toy, owner, 2_020);
    expect(eventTypes(pairPhone(sodium(), toy, 2_021, second, 'Grandma').exchange.phone)).toEqual(['paired']);
  });
});

describe('a replayed SESSION_HELLO', () => {
  it('gets an answer but no session: the toy counts one only from the phone’s first authenticated message', () => {
    const { toy, owner } = ownedToy();
    const genuine = PhoneConnection.resume(sodium(), owner.keys, owner.phone.bond!);
    const toyConnection = toy.connect();
    const exchange = pump(genuine.connection, toyConnection, genuine.frame, 5_000);
    expect(exchange.frames.map((f) => f.from)).toEqual(['phone', 'toy', 'phone']);
    expect(eventTypes(exchange.toy)).toEqual(['established']);

    const replayed = toy.connect();
    const answer = replayed.receive(genuine.frame, 6_000);
    expect(answer.send).toHaveLength(1);
    expect(answer.events).toEqual([]);
    expect([replayed.state, replayed.bond]).toEqual(['handshaking', undefined]);
    // The replayer cannot make the session confirm: whatever it sends ends the connection.
    const forged = replayed.receive(exchange.frames[2]!.frame, 6_001);
    expect(eventTypes(forged.events)).toEqual(['rejected:DECRYPT_FAILED']);
    expect(replayed.state).toBe('failed');
  });
});

describe('adding a phone by its keys (HomeKit’s Add Pairing)', () => {
  it('bonds the phone the owner names, as a member that then opens sessions; nobody else may add', () => {
    const { toy, owner } = ownedToy();
    const grandma = generatePartyKeys(sodium());
    expect(parsePhoneKeys(encodePhoneKeys(publicKeys(grandma)))).toEqual(publicKeys(grandma));
    const bond = toy.addMember(owner.phone.bond!.bondId, publicKeys(grandma), 'Grandma', 2_000);
    expect(bond).toMatchObject({ role: 'member', joined: 'added-by-owner', label: 'Grandma', createdAt: 2_000 });
    expect(toy.status(2_000).open).toBe(false); // no window was opened for it

    const grant = parseGrant(encodeGrant({ toyId: toy.identity.toyId, bondId: bond.bondId, toy: owner.phone.bond!.peer, destinationKey: bond.destinationKey }));
    expect(grant.toy).toEqual(publicKeys(toy.identity.keys));
    const resumed = PhoneConnection.resume(sodium(), grandma, bondFromGrant(grant, 5));
    const toyConnection = toy.connect();
    expect(eventTypes(pump(resumed.connection, toyConnection, resumed.frame, 3_000).toy)).toEqual(['established']);
    expect(toyConnection.bond?.bondId).toBe(bond.bondId);

    expect(() => toy.addMember(bond.bondId, publicKeys(generatePartyKeys(sodium())), 'x', 4_000)).toThrow('NOT_OWNER');
    expect(() => toy.addMember(owner.phone.bond!.bondId, publicKeys(grandma), 'x'.repeat(65), 4_000)).toThrow('TOO_LARGE');
    // The owner adding its own key again stays owner, and the toy still holds one bond per phone.
    expect(toy.addMember(owner.phone.bond!.bondId, publicKeys(owner.keys), 'Parent', 4_000).role).toBe('owner');
    expect(toy.bonds.list().map((b) => b.role).sort()).toEqual(['member', 'owner']);
  });

  it('reads grants and phone keys strictly', () => {
    expect(() => parseGrant('plushlink://member?v=2&id=00&bond=00&s=00&e=00&g=00&dk=00')).toThrow('MALFORMED');
    // Version 1 (before protocol 3: no envelope key, no destination key) is refused as such.
    expect(() => parseGrant(`plushlink://member?v=1&id=${'00'.repeat(8)}&bond=${'00'.repeat(8)}&s=${'00'.repeat(32)}&g=${'00'.repeat(32)}`)).toThrow('UNSUPPORTED_VERSION');
    expect(() => parsePhoneKeys(`plushlink://phone?v=1&s=${'00'.repeat(32)}&g=${'00'.repeat(32)}`)).toThrow('UNSUPPORTED_VERSION');
    expect(() => parsePhoneKeys(`plushlink://phone?v=1&s=${'00'.repeat(32)}&e=${'00'.repeat(32)}&g=${'00'.repeat(32)}`)).toThrow('UNSUPPORTED_VERSION');
    expect(() => parsePhoneKeys(`plushlink://phone?v=2&s=${'00'.repeat(32)}&e=${'00'.repeat(32)}&g=${'00'.repeat(32)}&s=${'00'.repeat(32)}`)).toThrow('MALFORMED');
  });
});

describe('hardening (protocol version 2)', () => {
  it('refuses a CPace share reflected back (Ya = Yb)', () => {
    const inputs = { prs: new Uint8Array(8).fill(1), ci: new Uint8Array(4), sid: new Uint8Array(16) };
    const phone = new CPace(sodium(), 'initiator', inputs, PHONE_AD);
    expect(() => phone.finish({ share: phone.own.share, ad: TOY_AD })).toThrow('INVALID_POINT');
  });

  it('draws CPace scalars from libsodium: non-zero, below the group order, never repeated', () => {
    const scalars = Array.from({ length: 200 }, () => sampleScalar(sodium()));
    for (const s of scalars) {
      expect(s.some((b) => b !== 0)).toBe(true);
      expect(s[31]! <= 0x10).toBe(true);
    }
    expect(new Set(scalars.map((s) => Buffer.from(s).toString('hex'))).size).toBe(200);
  });

  it("has the phone check the toy's CPace associated data (ADb)", () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const { connection, frame } = PhoneConnection.pair(sodium(), { keys: generatePartyKeys(sodium()), toyId: toy.identity.toyId, code: toy.identity.code });
    const exchange = pump(connection, toy.connect(), frame, 1, {
      tamper: (from, f) => {
        if (from !== 'toy') return f;
        const reply = decodeFrame(f);
        return reply.type === 'PAIR_REPLY' ? encodeFrame({ ...reply, ad: utf8('plushlink/1 toy') }) : f;
      },
    });
    expect(eventTypes(exchange.phone)).toEqual(['rejected:UNSUPPORTED_VERSION']);
    expect(toy.bonds.list()).toEqual([]);
  });
});

describe('SESSION_HELLO without a stable id', () => {
  it('computes the destination id as docs/PROTOCOL.md §6 says (vector)', () => {
    const id = destinationId(sodium(), new Uint8Array(32).fill(5), '0011223344556677', new Uint8Array(16).fill(6));
    expect(Buffer.from(id).toString('hex')).toBe('5b49d95622408060dc46f9d0ee40cccf');
  });

  it('keys it with a secret the toy drew for the bond and gave the phone inside the pairing session: no DH, unknown to others', () => {
    const { toy, owner } = ownedToy();
    const member = pairPhone(sodium(), toy, 2_001, invite(toy, owner, 2_000), 'Grandma');
    const stored = toy.bonds.list().map((b) => Buffer.from(b.destinationKey).toString('hex'));
    expect(new Set(stored).size).toBe(2); // one per bond
    expect(Buffer.from(member.phone.bond!.destinationKey).toString('hex')).toBe(stored[1]);
    // A KK session open makes exactly the Noise handshake's X25519 operations, nothing more.
    let dhs = 0;
    const counting = new Proxy(sodium(), {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (name !== 'crypto_scalarmult' && name !== 'crypto_scalarmult_base') return value;
        return (...args: unknown[]) => ((dhs += 1), (value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    const resumed = PhoneConnection.resume(counting, member.keys, member.phone.bond!);
    pump(resumed.connection, toy.connect(), resumed.frame, 3_000);
    expect(dhs).toBe(5); // the phone's share of KK: e, es, ss, then ee, se
  });

  it('differs in every hello of one phone and still finds its bond among several', () => {
    const { toy, owner } = ownedToy();
    const member = pairPhone(sodium(), toy, 2_001, invite(toy, owner, 2_000), 'Grandma');
    const hellos = [1, 2].map(() => PhoneConnection.resume(sodium(), member.keys, member.phone.bond!));
    const [a, b] = hellos.map((h) => decodeFrame(h.frame)) as Extract<ReturnType<typeof decodeFrame>, { type: 'SESSION_HELLO' }>[];
    expect(a!.destinationId).not.toEqual(b!.destinationId);
    expect(a!.nonce).not.toEqual(b!.nonce);
    for (const hello of hellos) {
      const toySide = toy.connect();
      pump(hello.connection, toySide, hello.frame, 3_000);
      expect(toySide.bond?.bondId).toBe(member.phone.bond!.bondId);
    }
  });
});
