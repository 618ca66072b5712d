// Pairing and sessions end to end, between an in-memory toy and phones: the paw press, CPace and
// XXpsk3 making a bond, KK sessions over stored bonds, wrong codes, owner and member rules.
import { bondForToy, MemoryBondStore } from '../../pairing/bond';
import { utf8 } from '../../pairing/bytes';
import { dammCheckDigit, type PairingCode } from '../../pairing/code';
import { generatePartyKeys, publicKeys } from '../../pairing/identity';
import { PhoneConnection } from '../../pairing/phone';
import { decodePolicy, encodePolicy } from '../../pairing/policy';
import { Toy } from '../../pairing/toy';
import { useSodium } from './helpers';
import { eventTypes, newToy, pairPhone, pump } from './world';

const sodium = useSodium();

/** Another valid code (correct check digit) that is not the toy's. */
function otherCode(code: PairingCode): PairingCode {
  const body = String((Number(code.slice(0, 9)) + 1) % 1e9).padStart(9, '0');
  return (body + String(dammCheckDigit(body))) as PairingCode;
}

describe('pairing a phone with a toy', () => {
  it('makes the first phone the owner: both sides store matching bonds and share a session', () => {
    const toy = newToy(sodium());
    toy.pawPress(1_000);
    const { keys, phone, toyConnection, exchange } = pairPhone(sodium(), toy, 2_000, toy.identity.code, 'Mum');
    expect(eventTypes(exchange.phone)).toEqual(['paired']);
    // The attempt counts as a strike at PAIR_HELLO, and the success clears it.
    expect(eventTypes(exchange.toy)).toEqual(['policy-changed', 'policy-changed', 'paired']);
    const phoneBond = phone.bond!;
    const toyBond = toyConnection.bond!;
    expect(phoneBond.role).toBe('owner');
    expect(toyBond).toEqual(toy.bonds.get(phoneBond.bondId));
    expect(toyBond).toMatchObject({ role: 'owner', label: 'Mum', toyId: toy.identity.toyId, createdAt: 2_000 });
    // Each side learnt all three of the other's role keys, and both hold the toy's destination key for the bond.
    expect(toyBond.peer).toEqual(publicKeys(keys));
    expect(phoneBond.peer).toEqual(publicKeys(toy.identity.keys));
    expect(phoneBond.destinationKey).toEqual(toyBond.destinationKey);
    expect(phone.handshakeHash).toEqual(toyConnection.handshakeHash);
    const out = toyConnection.receive(phone.send(utf8('play slot 1')), 2_001);
    expect(out.events).toEqual([{ type: 'message', plaintext: utf8('play slot 1') }]);
    expect(phone.receive(toyConnection.send(utf8('ok')), 2_002).events).toEqual([{ type: 'message', plaintext: utf8('ok') }]);
  });

  it('never shows the code on the air', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const { exchange } = pairPhone(sodium(), toy, 1);
    const code = utf8(toy.identity.code);
    for (const { frame } of exchange.frames) {
      const text = Buffer.from(frame).toString('latin1');
      expect(text.includes(Buffer.from(code).toString('latin1'))).toBe(false);
    }
  });

  it('refuses without a paw press, and after the window has run out', () => {
    const toy = newToy(sodium());
    expect(eventTypes(pairPhone(sodium(), toy, 0).exchange.phone)).toEqual(['rejected:WINDOW_CLOSED']);
    toy.pawPress(0);
    expect(eventTypes(pairPhone(sodium(), toy, 120_000).exchange.phone)).toEqual(['rejected:WINDOW_CLOSED']);
    expect(toy.bonds.list()).toHaveLength(0);
  });

  it('on a wrong code, both sides learn only WRONG_CODE and nobody gets a bond or session', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const { phone, toyConnection, exchange } = pairPhone(sodium(), toy, 10, otherCode(toy.identity.code));
    // The phone learns it from the toy's key confirmation and sends nothing more (no message 3,
    // so no static key); the toy learns only that no pairing followed, counted at PAIR_HELLO.
    expect(eventTypes(exchange.phone)).toEqual(['rejected:WRONG_CODE']);
    expect(eventTypes(exchange.toy)).toEqual(['policy-changed']);
    expect(exchange.frames.map((f) => f.from)).toEqual(['phone', 'toy']);
    expect(phone.state).toBe('failed');
    expect(toyConnection.state).toBe('handshaking');
    expect(phone.bond ?? toyConnection.bond).toBeUndefined();
    expect(() => phone.send(utf8('x'))).toThrow('CLOSED');
    expect(toy.bonds.list()).toHaveLength(0);
    expect(toy.policy.strikes).toBe(1);
  });

  it('closes the window after three wrong codes and locks out, longer each time, across power cycles', () => {
    let toy = newToy(sodium());
    toy.pawPress(0);
    for (let i = 0; i < 3; i++) pairPhone(sodium(), toy, 10 + i, otherCode(toy.identity.code));
    expect(toy.status(20)).toEqual({ open: false, reason: 'LOCKED_OUT', retryAfterMs: 60_000 - 8 });
    expect(toy.pawPress(20).windowUntil).toBeNull();
    // The right code during a lockout is not even tried.
    expect(eventTypes(pairPhone(sodium(), toy, 30).exchange.phone)).toEqual(['rejected:LOCKED_OUT']);
    expect(toy.bonds.list()).toHaveLength(0);
    // Power cycle: the toy reboots from its persisted policy bytes, its clock back at 0.
    const flash = encodePolicy(toy.policy);
    toy = new Toy(sodium(), { identity: toy.identity, bonds: toy.bonds, policy: decodePolicy(flash) });
    toy.powerOn(0);
    expect(toy.status(59_999)).toMatchObject({ reason: 'LOCKED_OUT' });
    toy.pawPress(60_000);
    for (let i = 0; i < 3; i++) pairPhone(sodium(), toy, 60_010 + i, otherCode(toy.identity.code));
    expect(toy.status(60_020)).toMatchObject({ reason: 'LOCKED_OUT', retryAfterMs: 120_000 - 8 });
    toy.pawPress(200_000);
    expect(eventTypes(pairPhone(sodium(), toy, 200_001).exchange.phone)).toEqual(['paired']);
    expect(toy.policy).toEqual({ windowUntil: null, strikes: 0, lockouts: 0, lockedUntil: null, quietSince: null });
  });

  it('gives no bond to a phone that believes it is talking to another toy', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const { connection, frame } = PhoneConnection.pair(sodium(), {
      keys: generatePartyKeys(sodium()),
      toyId: '00'.repeat(8),
      code: toy.identity.code,
    });
    const exchange = pump(connection, toy.connect(), frame, 1);
    expect(eventTypes(exchange.phone)).toEqual(['rejected:MALFORMED']);
    expect(toy.bonds.list()).toHaveLength(0);
  });
});

describe('owners and members', () => {
  it('needs an owner invitation for a second phone, which then becomes a member', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const owner = pairPhone(sodium(), toy, 1);
    toy.pawPress(10);
    expect(eventTypes(pairPhone(sodium(), toy, 11).exchange.phone)).toEqual(['rejected:INVITE_REQUIRED']);
    const { code } = toy.invite(owner.phone.bond!.bondId, 20);
    const member = pairPhone(sodium(), toy, 21, code);
    expect(member.phone.bond?.role).toBe('member');
    expect(toy.bonds.list().map((b) => b.role).sort()).toEqual(['member', 'owner']);
  });

  it('lets only the owner invite and revoke others; members may leave', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const owner = pairPhone(sodium(), toy, 1).phone.bond!.bondId;
    const member = pairPhone(sodium(), toy, 4, toy.invite(owner, 2).code).phone.bond!.bondId;
    expect(() => toy.invite(member, 5)).toThrow('NOT_OWNER');
    expect(() => toy.revoke(member, owner)).toThrow('NOT_OWNER');
    expect(() => toy.revoke(owner, owner)).toThrow('NOT_OWNER');
    toy.revoke(owner, member);
    expect(toy.bonds.get(member)).toBeUndefined();
    toy.revoke(owner, owner);
    expect(toy.bonds.list()).toHaveLength(0);
  });

  it('an invitation expires and is good for one phone', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const owner = pairPhone(sodium(), toy, 1).phone.bond!.bondId;
    const expired = toy.invite(owner, 10, 1_000).code;
    toy.pawPress(2_000);
    expect(eventTypes(pairPhone(sodium(), toy, 2_001, expired).exchange.phone)).toEqual(['rejected:INVITE_REQUIRED']);
    const used = toy.invite(owner, 3_000).code;
    expect(eventTypes(pairPhone(sodium(), toy, 3_001, used).exchange.phone)).toEqual(['paired']);
    toy.pawPress(3_002);
    expect(eventTypes(pairPhone(sodium(), toy, 3_003, used).exchange.phone)).toEqual(['rejected:INVITE_REQUIRED']);
  });
});

describe('sessions over a stored bond (Noise KK)', () => {
  it('opens a mutually authenticated session with no paw press', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const { keys, phone } = pairPhone(sodium(), toy, 1);
    const phoneBonds = new MemoryBondStore();
    phoneBonds.put(phone.bond!);
    const bond = bondForToy(phoneBonds, toy.identity.toyId)!;
    const { connection, frame } = PhoneConnection.resume(sodium(), keys, bond);
    const toyConnection = toy.connect();
    const exchange = pump(connection, toyConnection, frame, 500_000);
    expect(eventTypes(exchange.phone)).toEqual(['established']);
    expect(eventTypes(exchange.toy)).toEqual(['established']);
    expect(toyConnection.bond?.bondId).toBe(bond.bondId);
    expect(toyConnection.receive(connection.send(utf8('hi')), 500_001).events).toEqual([{ type: 'message', plaintext: utf8('hi') }]);
  });

  it('refuses a phone holding a bond id but not the bonded key', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const { phone } = pairPhone(sodium(), toy, 1);
    const impostor = pairPhone(sodium(), newToy(sodium()), 1).keys;
    const { connection, frame } = PhoneConnection.resume(sodium(), impostor, phone.bond!);
    expect(eventTypes(pump(connection, toy.connect(), frame, 2).phone)).toEqual(['rejected:UNKNOWN_BOND']);
  });

  it('refuses a revoked bond, and ends a session whose bond is revoked', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const owner = pairPhone(sodium(), toy, 1);
    const member = pairPhone(sodium(), toy, 3, toy.invite(owner.phone.bond!.bondId, 2).code);
    const { connection, frame } = PhoneConnection.resume(sodium(), member.keys, member.phone.bond!);
    const toyConnection = toy.connect();
    pump(connection, toyConnection, frame, 4);
    toy.revoke(owner.phone.bond!.bondId, member.phone.bond!.bondId);
    const out = toyConnection.receive(connection.send(utf8('still here?')), 5);
    expect(eventTypes(out.events)).toEqual(['rejected:UNKNOWN_BOND']);
    expect(toyConnection.state).toBe('failed');
    const again = PhoneConnection.resume(sodium(), member.keys, member.phone.bond!);
    expect(eventTypes(pump(again.connection, toy.connect(), again.frame, 6).phone)).toEqual(['rejected:UNKNOWN_BOND']);
  });
});
