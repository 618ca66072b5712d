// Properties of the two connection state machines under attack: wrong codes, flipped bits and
// arbitrary input. Whatever arrives, receive() answers with events whose errors are PairingErrors
// and never throws; no tampered or wrong-code run leaves the toy holding a bond.
import fc from 'fast-check';
import { utf8 } from '../../pairing/bytes';
import { dammCheckDigit, type PairingCode } from '../../pairing/code';
import type { Connection, ConnectionEvent } from '../../pairing/connection';
import { PairingError } from '../../pairing/errors';
import { encodeFrame } from '../../pairing/frame';
import { generatePartyKeys } from '../../pairing/identity';
import { PhoneConnection } from '../../pairing/phone';
import type { Toy } from '../../pairing/toy';
import { anyMessage } from './arbitraries';
import { useSodium } from './helpers';
import { eventTypes, newToy, pairPhone, pump } from './world';

const sodium = useSodium();

function openToy(): Toy {
  const toy = newToy(sodium());
  toy.pawPress(0);
  return toy;
}

/** Connections parked in every state a peer can find them in. */
function connectionsInEveryState(): { name: string; connection: Connection }[] {
  const toy = openToy();
  const keys = generatePartyKeys(sodium());
  const start = () => PhoneConnection.pair(sodium(), { keys, toyId: toy.identity.toyId, code: toy.identity.code });

  const toyIdle = toy.connect();
  const phoneAwaitReply = start().connection;

  // Every PAIR_HELLO counts against the lockout until its pairing succeeds: a toy for each.
  const hello = start();
  const toyAwaitFinish = toy.connect();
  toyAwaitFinish.receive(hello.frame, 1);

  const finishing = start();
  const toyForConfirm = toy.connect();
  const phoneAwaitConfirm = finishing.connection;
  phoneAwaitConfirm.receive(toyForConfirm.receive(finishing.frame, 1).send[0] as Uint8Array, 1);

  const acking = start();
  const toyAwaitAck = toy.connect();
  const finish = acking.connection.receive(toyAwaitAck.receive(acking.frame, 1).send[0] as Uint8Array, 1).send[0] as Uint8Array;
  toyAwaitAck.receive(finish, 1);

  const paired = pairPhone(sodium(), openToy(), 2);
  const resumed = PhoneConnection.resume(sodium(), paired.keys, paired.phone.bond!);
  return [
    { name: 'toy idle', connection: toyIdle },
    { name: 'toy awaiting PAIR_FINISH', connection: toyAwaitFinish },
    { name: 'toy awaiting the ack', connection: toyAwaitAck },
    { name: 'toy in session', connection: paired.toyConnection },
    { name: 'phone awaiting PAIR_REPLY', connection: phoneAwaitReply },
    { name: 'phone awaiting the confirmation', connection: phoneAwaitConfirm },
    { name: 'phone in session', connection: paired.phone },
    { name: 'phone awaiting SESSION_ACCEPT', connection: resumed.connection },
  ];
}

function onlyTypedErrors(events: readonly ConnectionEvent[]): void {
  for (const event of events) if (event.type === 'rejected') expect(event.error).toBeInstanceOf(PairingError);
}

describe('connection state machines under attack', () => {
  it('property: a wrong code never yields a bond or session, and both sides learn only WRONG_CODE', () => {
    const toy = openToy();
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{9}$/), (body) => {
        const code = (body + String(dammCheckDigit(body))) as PairingCode;
        fc.pre(code !== toy.identity.code);
        const attempt = pairPhone(sodium(), toy, 1, code);
        // The phone finds out from the toy's key confirmation and stops; the toy has counted it.
        expect(eventTypes(attempt.exchange.phone)).toEqual(['rejected:WRONG_CODE']);
        expect(eventTypes(attempt.exchange.toy)).toEqual(['policy-changed']);
        expect(toy.policy.strikes).toBe(1);
        expect(attempt.phone.bond ?? attempt.toyConnection.bond).toBeUndefined();
        expect(toy.bonds.list()).toHaveLength(0);
        toy.factoryReset();
        toy.pawPress(0);
      }),
      { numRuns: 20 },
    );
  });

  it('property: one flipped bit in any pairing frame never leaves the toy with a bond', () => {
    fc.assert(
      fc.property(fc.nat({ max: 4 }), fc.nat(), (frameIndex, bitSeed) => {
        const toy = openToy();
        const keys = generatePartyKeys(sodium());
        const { connection, frame } = PhoneConnection.pair(sodium(), { keys, toyId: toy.identity.toyId, code: toy.identity.code });
        let flipped = false;
        const toyConnection = toy.connect();
        const exchange = pump(connection, toyConnection, frame, 1, {
          tamper: (_from, bytes, index) => {
            if (index !== frameIndex) return bytes;
            flipped = true;
            const bit = bitSeed % (bytes.length * 8);
            const out = bytes.slice();
            out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
            return out;
          },
        });
        fc.pre(flipped);
        onlyTypedErrors([...exchange.phone, ...exchange.toy]);
        expect(toy.bonds.list()).toHaveLength(0);
        expect(eventTypes(exchange.toy)).not.toContain('paired');
        // Only a flip in the phone's final acknowledgement leaves the phone (alone) paired.
        if (eventTypes(exchange.phone).includes('paired')) expect(frameIndex).toBe(4);
      }),
      { numRuns: 120 },
    );
  });

  it('property: arbitrary bytes, in any state, give only rejected events with PairingErrors', () => {
    const parked = connectionsInEveryState();
    fc.assert(
      fc.property(fc.constantFrom(...parked), fc.oneof(fc.uint8Array({ maxLength: 300 }), anyMessage.map(encodeFrame)), ({ connection }, input) => {
        const out = connection.receive(input, 3);
        onlyTypedErrors(out.events);
        expect(out.events.every((e) => e.type === 'rejected' || e.type === 'policy-changed')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('property: pairing and a session work at any ATT payload size from 20 to 512', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 512 }), (attPayload) => {
        const toy = openToy();
        const keys = generatePartyKeys(sodium());
        const { connection, frame } = PhoneConnection.pair(sodium(), { keys, toyId: toy.identity.toyId, code: toy.identity.code });
        const toyConnection = toy.connect();
        const exchange = pump(connection, toyConnection, frame, 1, { attPayload });
        expect(eventTypes(exchange.toy)).toEqual(['policy-changed', 'policy-changed', 'paired']);
        const message = utf8('x'.repeat(attPayload * 2));
        expect(pump(connection, toyConnection, connection.send(message), 2, { attPayload }).toy).toEqual([{ type: 'message', plaintext: message }]);
      }),
      { numRuns: 20 },
    );
  });

  it('keeps a session going after a rejected frame, and delivers nothing it rejected', () => {
    const { phone, toyConnection } = pairPhone(sodium(), openToy(), 1);
    const genuine = phone.send(utf8('hello'));
    const forged = genuine.slice();
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    expect(eventTypes(toyConnection.receive(forged, 2).events)).toEqual(['rejected:DECRYPT_FAILED']);
    expect(toyConnection.receive(genuine, 2).events).toEqual([{ type: 'message', plaintext: utf8('hello') }]);
    expect(eventTypes(toyConnection.receive(genuine, 2).events)).toEqual(['rejected:REPLAY']);
    expect(toyConnection.state).toBe('established');
  });
});
