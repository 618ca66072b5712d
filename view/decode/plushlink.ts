// plushlink's own protocol on the air, decoded with pairing/'s own decoders (so a change of the
// wire format shows here as it is): fragments on the secure profile's FRAMES_IN / FRAMES_OUT
// characteristics, reassembled into frames, each frame named by its type. A TRANSPORT frame's body
// is a Noise session ciphertext: the view shows its counter and size and says it is sealed.
import { FRAMES_IN, FRAMES_OUT, TOY_INFO } from '../../firmware-sim/profile';
import { decodeFrame, FrameType, type Message } from '../../pairing/frame';
import { COUNTER_BYTES } from '../../pairing/transport';
import { Reassembler } from '../../pairing/fragment';
import { type DecodeNode, hex, node } from './decode-tree';

/** The secure profile's characteristics by UUID, as profile.ts names them. */
export const CHARACTERISTIC_NAMES: ReadonlyMap<string, string> = new Map([
  [FRAMES_IN, 'FRAMES_IN'],
  [FRAMES_OUT, 'FRAMES_OUT'],
  [TOY_INFO, 'TOY_INFO'],
]);

/** Characteristics whose values are plushlink fragments. */
export const FRAME_CHARACTERISTICS: ReadonlySet<string> = new Set([FRAMES_IN, FRAMES_OUT]);

const FIRST = 0x80;
const LAST = 0x40;

export interface PlushlinkDecode {
  readonly node: () => DecodeNode;
  /** The frame type this fragment belongs to (its protocol step), when known. */
  readonly step: string | undefined;
  readonly summary: string;
}

/** What each field of a frame is, where its name alone does not say. */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  'PAIR_HELLO.share': 'CPace share',
  'PAIR_HELLO.ad': 'associated data',
  'PAIR_HELLO.noise': 'Noise XXpsk3 message 1',
  'PAIR_REPLY.share': 'CPace share',
  'PAIR_REPLY.ad': 'associated data',
  'PAIR_REPLY.noise': 'Noise XXpsk3 message 2 (ciphertext after the ephemeral key)',
  'PAIR_FINISH.noise': 'Noise XXpsk3 message 3 (ciphertext)',
  'SESSION_HELLO.noise': 'Noise KK message 1',
  'SESSION_ACCEPT.noise': 'Noise KK message 2',
  'REFUSED.retryAfterMs': 'retry after (ms)',
};

/**
 * A frame's fields as pairing/frame.ts decoded them, whatever they are (so a field added to or
 * removed from a frame shows as it is); a TRANSPORT body is split into its counter and ciphertext.
 */
function frameFields(message: Message): DecodeNode[] {
  if (message.type === 'TRANSPORT') {
    const counter = message.message.subarray(0, COUNTER_BYTES);
    let value = 0n;
    for (let i = counter.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(counter[i] as number);
    const sealed = message.message.length - counter.length;
    return [
      node(`counter: ${value}`),
      node(`ciphertext: ${sealed} bytes, ChaCha20-Poly1305 (a session message: request, response, event or transfer chunk; sealed, not decodable from the air)`, [node(hex(message.message.subarray(COUNTER_BYTES)))]),
    ];
  }
  return Object.entries(message)
    .filter(([key]) => key !== 'type')
    .map(([key, value]: [string, unknown]) => node(`${FIELD_LABELS[`${message.type}.${key}`] ?? key}: ${value instanceof Uint8Array ? hex(value) : String(value)}`));
}

function frameSummary(message: Message): string {
  if (message.type === 'REFUSED') return `REFUSED ${message.reason}`;
  if (message.type === 'TRANSPORT') return `TRANSPORT ${message.message.length - COUNTER_BYTES} bytes sealed`;
  return message.type;
}

/** One direction of one connection: fragments in, frames out. */
export class PlushlinkStream {
  private readonly reassembler = new Reassembler(0xffff);
  private step: string | undefined;

  push(fragment: Uint8Array): PlushlinkDecode {
    const header = fragment[0] ?? 0;
    const first = (header & FIRST) !== 0;
    if (first) this.step = frameTypeName(fragment[4]);
    const step = this.step;
    let summary = `${step ?? 'frame'} fragment ${header & 0x3f}`;
    let message: Message | undefined;
    let frameBytes = 0;
    let fault: string | undefined;
    try {
      const frame = this.reassembler.push(fragment);
      if (frame) {
        message = decodeFrame(frame);
        frameBytes = frame.length;
        summary = frameSummary(message);
      }
    } catch (error) {
      fault = error instanceof Error ? error.message : String(error);
      summary = `${summary} (invalid)`;
      this.step = undefined;
    }
    const decode = (): DecodeNode => {
      const total = first ? `, frame of ${(fragment[1] ?? 0) | ((fragment[2] ?? 0) << 8)} bytes` : '';
      const fields: DecodeNode[] = [node(`fragment ${header & 0x3f}${first ? ', first' : ''}${header & LAST ? ', last' : ''}${total}`)];
      if (message) fields.push(node(`frame ${message.type} (${frameBytes} bytes)`, frameFields(message)));
      if (fault !== undefined) fields.push(node(`not a valid plushlink fragment: ${fault}`));
      return node('plushlink', fields);
    };
    return { node: decode, step, summary };
  }
}

const TYPE_NAMES = new Map<number, string>(Object.entries(FrameType).map(([name, value]) => [value, name]));

/** The name of a frame's type byte, read ahead of reassembly so every fragment carries its step. */
function frameTypeName(type: number | undefined): string | undefined {
  return type === undefined ? undefined : TYPE_NAMES.get(type);
}
