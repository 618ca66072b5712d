// Test fixture: a provisioned toy with in-memory bonds, phones with their own keys, and a pump
// that carries frames between two connections through real fragmentation and reassembly.
import { MemoryBondStore } from '../../pairing/bond';
import type { Connection, ConnectionEvent } from '../../pairing/connection';
import { Reassembler, fragment } from '../../pairing/fragment';
import { generatePartyKeys, provisionToy } from '../../pairing/identity';
import type { PartyKeys } from '../../pairing/keys';
import { PhoneConnection } from '../../pairing/phone';
import type { PairingCode } from '../../pairing/code';
import type { Sodium } from '../../pairing/sodium';
import { Toy, type ToyConnection } from '../../pairing/toy';

export function newToy(sodium: Sodium, now = 0): Toy {
  const toy = new Toy(sodium, { identity: provisionToy(sodium), bonds: new MemoryBondStore() });
  toy.powerOn(now);
  return toy;
}

export interface Exchange {
  readonly phone: ConnectionEvent[];
  readonly toy: ConnectionEvent[];
  /** Every frame that crossed, in order, with its sender. */
  readonly frames: { readonly from: 'phone' | 'toy'; readonly frame: Uint8Array }[];
}

/**
 * Delivers `first` (from the phone) and every frame either side sends in reply, fragmented at
 * `attPayload` bytes, until both are quiet. `tamper` may replace a frame in flight.
 */
export function pump(
  phone: Connection,
  toy: ToyConnection,
  first: Uint8Array,
  now: number,
  options: { attPayload?: number; tamper?: (from: 'phone' | 'toy', frame: Uint8Array, index: number) => Uint8Array } = {},
): Exchange {
  const attPayload = options.attPayload ?? 244;
  const reassemblers = { phone: new Reassembler(), toy: new Reassembler() };
  const exchange: Exchange = { phone: [], toy: [], frames: [] };
  const queue: { from: 'phone' | 'toy'; frame: Uint8Array }[] = [{ from: 'phone', frame: first }];
  for (let index = 0; queue.length > 0 && index < 20; index++) {
    const next = queue.shift() as { from: 'phone' | 'toy'; frame: Uint8Array };
    const frame = options.tamper ? options.tamper(next.from, next.frame, index) : next.frame;
    exchange.frames.push({ from: next.from, frame });
    const to = next.from === 'phone' ? 'toy' : 'phone';
    let whole: Uint8Array | undefined;
    for (const piece of fragment(frame, attPayload)) whole = reassemblers[to].push(piece);
    if (whole === undefined) throw new Error('frame did not reassemble');
    const out = (to === 'toy' ? toy : phone).receive(whole, now);
    exchange[to].push(...out.events);
    for (const reply of out.send) queue.push({ from: to, frame: reply });
  }
  return exchange;
}

export interface PairedPhone {
  readonly keys: PartyKeys;
  readonly phone: PhoneConnection;
  readonly toyConnection: ToyConnection;
  readonly exchange: Exchange;
}

/** A phone (fresh keys unless given) pairs with `toy` using `code` (the toy's own unless given). */
export function pairPhone(
  sodium: Sodium,
  toy: Toy,
  now: number,
  code: PairingCode = toy.identity.code,
  label = 'phone',
  keys: PartyKeys = generatePartyKeys(sodium),
): PairedPhone {
  const { connection: phone, frame } = PhoneConnection.pair(sodium, { keys, toyId: toy.identity.toyId, code, label });
  const toyConnection = toy.connect();
  return { keys, phone, toyConnection, exchange: pump(phone, toyConnection, frame, now) };
}

export function eventTypes(events: readonly ConnectionEvent[]): string[] {
  return events.map((e) => (e.type === 'rejected' ? `rejected:${e.error.code}` : e.type));
}
