// A test link between a TransferSender and a TransferReceiver that the test controls step by
// step: deliver any queued message (in or out of order), drop it, duplicate it, cut the link,
// reboot the receiver from its persisted bytes, let time pass. Records everything the two
// machines report so properties can judge the outcome.
import type { Sodium } from '../../pairing/sodium';
import { AudioError } from '../../audio/errors';
import { type ReceiverEvent, type ReceiverOptions, TransferReceiver } from '../../audio/transfer-receiver';
import { type SenderEvent, type SenderOptions, TransferSender } from '../../audio/transfer-sender';
import { decodeReceiverSnapshot, encodeReceiverSnapshot } from '../../audio/transfer-snapshot';

export type Direction = 'toReceiver' | 'toSender';

export class TestLink {
  readonly queues: Record<Direction, Uint8Array[]> = { toReceiver: [], toSender: [] };
  readonly senderEvents: SenderEvent[] = [];
  readonly receiverEvents: ReceiverEvent[] = [];
  sender: TransferSender;
  receiver: TransferReceiver;
  now = 0;
  connected = true;
  /** Largest receiver memory seen at any step. */
  peakMemory = 0;
  /** Most DATA messages the sender had sent beyond what the receiver acknowledged. */
  dataSent = 0;

  constructor(
    private readonly sodium: Sodium,
    readonly envelope: Uint8Array,
    readonly senderOptions: SenderOptions,
    readonly receiverOptions: ReceiverOptions,
  ) {
    this.sender = new TransferSender(sodium, envelope, senderOptions);
    this.receiver = new TransferReceiver(sodium, receiverOptions);
    this.fromSender(this.sender.connect(this.now));
  }

  private fromSender(out: { messages: Uint8Array[]; events: SenderEvent[] }): void {
    this.senderEvents.push(...out.events);
    if (this.connected) this.queues.toReceiver.push(...out.messages);
    this.dataSent += out.messages.filter((m) => m[0] === 0x02).length;
  }

  private fromReceiver(out: { messages: Uint8Array[]; events: ReceiverEvent[] }): void {
    this.receiverEvents.push(...out.events);
    if (this.connected) this.queues.toSender.push(...out.messages);
    this.peakMemory = Math.max(this.peakMemory, this.receiver.memoryBytes());
  }

  /** Removes the message at `pick` (modulo the queue length) from a queue; undefined if empty. */
  private take(direction: Direction, pick: number): Uint8Array | undefined {
    const queue = this.queues[direction];
    if (queue.length === 0) return undefined;
    return queue.splice(pick % queue.length, 1)[0];
  }

  deliver(direction: Direction, pick = 0): void {
    const message = this.take(direction, pick);
    if (!message) return;
    if (direction === 'toReceiver') this.fromReceiver(this.receiver.receive(message));
    else this.fromSender(this.sender.receive(message, this.now));
  }

  drop(direction: Direction, pick: number): void {
    this.take(direction, pick);
  }

  duplicate(direction: Direction, pick: number): void {
    const queue = this.queues[direction];
    if (queue.length > 0) queue.push((queue[pick % queue.length] as Uint8Array).slice());
  }

  /** Flips bits of a queued message: impossible inside an authenticated session, tested anyway. */
  corrupt(direction: Direction, pick: number, at: number, xor: number): void {
    const queue = this.queues[direction];
    const message = queue[pick % Math.max(1, queue.length)];
    if (message && message.length > 0) message[at % message.length] = (message[at % message.length] as number) ^ (xor || 1);
  }

  tick(ms: number): void {
    this.now += ms;
    this.fromSender(this.sender.tick(this.now));
  }

  disconnect(): void {
    this.connected = false;
    this.queues.toReceiver.length = 0;
    this.queues.toSender.length = 0;
    this.sender.disconnect();
    this.receiver.disconnect();
  }

  /** The toy loses power: it comes back with only what it persisted. */
  rebootReceiver(): void {
    const persisted = encodeReceiverSnapshot(this.receiver.snapshot());
    this.receiver = new TransferReceiver(this.sodium, this.receiverOptions, decodeReceiverSnapshot(persisted, this.receiverOptions.maxBytes ?? 1 << 20));
  }

  /** The app starts over with a new sender for the same envelope (e.g. after it gave up). */
  restartSender(): void {
    this.sender = new TransferSender(this.sodium, this.envelope, this.senderOptions);
    if (this.connected) this.fromSender(this.sender.connect(this.now));
  }

  reconnect(chunkSize?: number): void {
    if (this.connected) this.disconnect();
    this.connected = true;
    this.fromSender(this.sender.connect(this.now, chunkSize));
  }

  /** Delivers everything in order, ticking when idle, until the sender finishes or `steps` run out. */
  runFairly(steps: number): void {
    if (!this.connected) this.reconnect();
    for (let i = 0; i < steps && this.sender.phase !== 'done' && this.sender.phase !== 'failed'; i++) {
      if (this.queues.toReceiver.length > 0) this.deliver('toReceiver');
      else if (this.queues.toSender.length > 0) this.deliver('toSender');
      else this.tick(this.senderOptions.retransmitMs ?? 1000);
    }
  }

  completions(): Uint8Array[] {
    return this.receiverEvents.flatMap((e) => (e.type === 'complete' ? [e.envelope] : []));
  }

  failures(): AudioError[] {
    return [...this.senderEvents, ...this.receiverEvents].flatMap((e) => (e.type === 'failed' || e.type === 'ignored' ? [e.error] : []));
  }
}
