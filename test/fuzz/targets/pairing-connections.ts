// Fuzz targets for pairing/'s state machines: a toy connection and a phone connection fed
// hostile frames, a genuine pairing or session resume with one frame tampered in flight, and a
// Session opening mutated ciphertexts. receive() must never throw (refusals are 'rejected'
// events carrying PairingErrors), what either side sends must be a well-formed frame, and no
// amount of mutation may pair, open a session, or deliver a message the real peer did not send.
import fc from 'fast-check';
import type { ConnectionEvent, Connection } from '../../../pairing/connection';
import type { PairingCode } from '../../../pairing/code';
import { PairingError } from '../../../pairing/errors';
import { decodeFrame } from '../../../pairing/frame';
import { CipherState } from '../../../pairing/noise/cipher-state';
import { PhoneConnection } from '../../../pairing/phone';
import { Session } from '../../../pairing/transport';
import type { FuzzContext } from '../context';
import { sameBytes } from '../equal';
import { converse } from '../genuine-pairing';
import { hostileBytes, mutant } from '../mutate';
import { type FuzzTarget, defineTarget, invariant, nothingThrown, pairingErrorOnly, tolerate } from '../target';

/** Feeds frames at increasing times; checks what every connection must do with any input. */
function feed(connection: Connection, frames: readonly Uint8Array[], events: ConnectionEvent[]): void {
  frames.forEach((frame, i) => {
    const wasOver = connection.state === 'failed' || connection.state === 'closed';
    const out = connection.receive(frame, i * 1000);
    for (const sent of out.send) decodeFrame(sent);
    for (const event of out.events) {
      if (event.type === 'rejected') invariant(event.error instanceof PairingError, 'rejected without a PairingError');
      if (wasOver) invariant(event.type === 'rejected' && event.error.code === 'CLOSED', `${event.type} after the connection ended`);
    }
    events.push(...out.events);
  });
}

function checkNoForgery(events: readonly ConnectionEvent[], genuine: readonly Uint8Array[]): void {
  for (const e of events) {
    invariant(e.type !== 'paired', 'hostile frames made a bond');
    if (e.type === 'message') invariant(genuine.some((g) => sameBytes(g, e.plaintext)), 'delivered a message nobody sealed');
  }
}

function tamperTarget(ctx: FuzzContext, flow: 'pair' | 'resume'): FuzzTarget {
  const g = ctx.pairing;
  const label = `handshake-tamper-${flow}`;
  const start = (code: PairingCode): { connection: PhoneConnection; frame: Uint8Array } =>
    flow === 'pair'
      ? PhoneConnection.pair(ctx.sodium, { keys: g.stranger, toyId: g.identity.toyId, code, label: 'fuzz' })
      : PhoneConnection.resume(ctx.sodium, g.owner, g.phoneBond);
  const play = (tamper?: (index: number, frame: Uint8Array) => Uint8Array) => {
    ctx.reseed(label);
    const toy = g.newToy();
    // A member pairs with the owner's one-time invitation code (the tag code pairs owners only).
    const { connection, frame } = start(toy.invite(g.ownerBond.bondId, 0).code);
    return { toy, conversation: converse(connection, toy.connect(), frame, 10, tamper) };
  };
  // Seeded randomness makes every play identical until the tampered frame, so the recorded
  // frames are exactly the ones a run will see.
  const recorded = play().conversation.sent.map((s) => s.frame);
  return defineTarget({
    name: label,
    description: `a genuine ${flow === 'pair' ? 'pairing (as a member, by invitation)' : 'session resume'} with one frame mutated in flight; no bond or session unless both sides agree`,
    arbitrary: fc.nat({ max: recorded.length - 1 }).chain((index) => fc.record({ index: fc.constant(index), frame: mutant([recorded[index] as Uint8Array]) })),
    ciRuns: 60,
    run({ index, frame }: { index: number; frame: Uint8Array }) {
      const { toy, conversation } = play((i, genuine) => (i === index ? frame : genuine));
      const toyMade = conversation.toy.find((e) => e.type === 'paired' || e.type === 'established');
      const phoneMade = conversation.phone.find((e) => e.type === 'paired' || e.type === 'established');
      for (const e of [...conversation.toy, ...conversation.phone]) {
        if (e.type === 'rejected') invariant(e.error instanceof PairingError, 'rejected without a PairingError');
      }
      if (flow === 'pair') invariant(toy.bonds.list().length === (toyMade ? 2 : 1), 'the toy stored a bond it did not announce');
      // The toy pairs only after the phone's ack, and counts a resumed session only after the
      // phone's session confirm, so in both flows the toy's bond or session implies the phone's.
      if (toyMade) invariant(phoneMade !== undefined, `the toy ${flow === 'pair' ? 'made a bond' : 'opened a session'} the phone does not have`);
      if (flow === 'pair') invariant(!toyMade || toyMade.type === 'paired', 'the toy opened a session during pairing');
      if (toyMade && (toyMade.type === 'paired' || toyMade.type === 'established')) {
        const phone = flow === 'pair' ? g.stranger : g.owner;
        invariant(sameBytes(toyMade.bond.peer.static, phone.static.publicKey), 'the toy bonded a key that is not the phone’s');
        invariant(sameBytes(toyMade.bond.peer.envelope, phone.envelope.publicKey), 'the toy bonded an envelope key that is not the phone’s');
      }
      if (phoneMade && (phoneMade.type === 'paired' || phoneMade.type === 'established')) {
        invariant(sameBytes(phoneMade.bond.peer.static, g.identity.keys.static.publicKey), 'the phone bonded a key that is not the toy’s');
        invariant(sameBytes(phoneMade.bond.peer.envelope, g.identity.keys.envelope.publicKey), 'the phone bonded an envelope key that is not the toy’s');
        if (toyMade && toyMade.type === phoneMade.type) {
          const agree = toyMade.bond.bondId === phoneMade.bond.bondId && toyMade.bond.role === phoneMade.bond.role && sameBytes(toyMade.bond.destinationKey, phoneMade.bond.destinationKey);
          invariant(agree, 'the two sides disagree on the bond');
        }
        if (flow === 'pair' && toyMade) invariant(toy.bonds.get(phoneMade.bond.bondId) !== undefined, 'the toy holds no bond under the phone’s bond id');
      }
    },
    isExpected: nothingThrown,
  });
}

export function pairingConnectionTargets(ctx: FuzzContext): FuzzTarget[] {
  const g = ctx.pairing;
  const genuinePlaintexts = g.sessionMessages;
  const frames = (seeds: readonly Uint8Array[]) => fc.array(hostileBytes(seeds), { minLength: 1, maxLength: 6 });

  // Transport: fixed keys make a fresh Session cheap, so every run starts at counter 0.
  const key = (byte: number) => new Uint8Array(32).fill(byte);
  const session = (send: number, receive: number): Session => {
    const cipher = (k: number) => {
      const c = new CipherState(ctx.sodium);
      c.initializeKey(key(k));
      return c;
    };
    return new Session({ send: cipher(send), receive: cipher(receive), handshakeHash: key(9), remoteStatic: key(8) });
  };
  const sealer = session(2, 1);
  const sealed = genuinePlaintexts.slice(0, 6).map((p) => sealer.seal(p));

  return [
    defineTarget({
      name: 'toy-connection',
      description: 'a ToyConnection (window open, an owner bond, an invitation) fed mutated genuine phone frames and random bytes',
      arbitrary: frames(g.phoneFrames),
      ciRuns: 150,
      run(input: Uint8Array[]) {
        ctx.reseed('toy-connection');
        const toy = g.newToy();
        const events: ConnectionEvent[] = [];
        feed(toy.connect(), input, events);
        checkNoForgery(events, genuinePlaintexts);
        invariant(toy.bonds.list().length === 1, 'hostile frames changed the toy’s bonds');
      },
      isExpected: nothingThrown,
    }),
    defineTarget({
      name: 'phone-connection',
      description: 'a PhoneConnection pairing or resuming, fed mutated genuine toy frames (replies, accepts, refusals, transport) and random bytes',
      arbitrary: fc.record({ resume: fc.boolean(), frames: frames(g.toyFrames) }),
      ciRuns: 150,
      run({ resume, frames: input }: { resume: boolean; frames: Uint8Array[] }) {
        ctx.reseed('phone-connection');
        const { connection } = resume
          ? PhoneConnection.resume(ctx.sodium, g.owner, g.phoneBond)
          : PhoneConnection.pair(ctx.sodium, { keys: g.stranger, toyId: g.identity.toyId, code: g.identity.code, fingerprint: new Uint8Array(16) });
        const events: ConnectionEvent[] = [];
        feed(connection, input, events);
        checkNoForgery(events, genuinePlaintexts);
        invariant(connection.state !== 'established', 'hostile frames opened a session');
      },
      isExpected: nothingThrown,
    }),
    tamperTarget(ctx, 'pair'),
    tamperTarget(ctx, 'resume'),
    defineTarget({
      name: 'transport',
      description: 'Session.open on sequences of mutated, replayed and reordered genuine ciphertexts; only the genuine stream, in order, is delivered',
      arbitrary: fc.array(hostileBytes(sealed), { minLength: 1, maxLength: 8 }),
      run(messages: Uint8Array[]) {
        const receiver = session(1, 2);
        let delivered = 0;
        for (const m of messages) {
          tolerate(pairingErrorOnly, () => {
            const plaintext = receiver.open(m);
            const expected = genuinePlaintexts[delivered];
            invariant(expected !== undefined && sameBytes(plaintext, expected), `delivered something other than genuine message ${delivered}`);
            delivered++;
          });
          invariant(receiver.counters.receive === BigInt(delivered), 'receive counter moved without a delivery');
        }
      },
      isExpected: () => false,
    }),
  ];
}
