// What the phone's and the toy's per-connection state machines share: frames in, frames and
// events out, and the established phase in which TRANSPORT frames carry application messages.
// receive() never throws for anything the peer sends: a rejected frame becomes a 'rejected'
// event with a PairingError. Before a session exists every rejection is fatal (the handshake is
// aborted); once established, a rejected frame is dropped and the session goes on, so an
// injected or replayed frame can neither be delivered nor tear down the genuine stream.
import type { Bond } from './bond';
import { PairingError, checkTime, isPairingError } from './errors';
import { type Message, decodeFrame, encodeFrame } from './frame';
import type { PolicyState } from './policy';
import type { Session } from './transport';

export type ConnectionEvent =
  /** A new bond was made (and stored, on the toy); the connection is now an open session. */
  | { readonly type: 'paired'; readonly bond: Bond }
  /** A KK session with an existing bond is open. */
  | { readonly type: 'established'; readonly bond: Bond }
  /** An application message arrived in the session. */
  | { readonly type: 'message'; readonly plaintext: Uint8Array }
  /** A frame was refused. Fatal ones end the connection's state machine. */
  | { readonly type: 'rejected'; readonly error: PairingError; readonly fatal: boolean }
  /** Toy only: the pairing policy changed; persist it. */
  | { readonly type: 'policy-changed'; readonly policy: PolicyState };

/** Frames to send (unfragmented; see ./fragment.ts) and what happened. */
export interface Output {
  readonly send: Uint8Array[];
  readonly events: ConnectionEvent[];
}

export type ConnectionState = 'handshaking' | 'established' | 'failed' | 'closed';

export abstract class Connection {
  private current: ConnectionState = 'handshaking';
  private session: Session | undefined;
  private bonded: Bond | undefined;
  /** Events raised while handling a frame, delivered with that frame's Output. */
  protected readonly pending: ConnectionEvent[] = [];

  get state(): ConnectionState {
    return this.current;
  }

  /** The bond this connection's session belongs to, once established. */
  get bond(): Bond | undefined {
    return this.bonded;
  }

  /** The session's handshake hash (a channel binding for audio/ or the UI), once established. */
  get handshakeHash(): Uint8Array | undefined {
    return this.session?.handshakeHash;
  }

  /** Handles one reassembled frame received at `now` (ms). */
  receive(frame: Uint8Array, now: number): Output {
    checkTime(now);
    try {
      if (this.current === 'failed' || this.current === 'closed') throw new PairingError('CLOSED', 'connection is over');
      const message = decodeFrame(frame);
      if (this.current === 'handshaking') return this.output(this.onHandshake(message, now));
      if (message.type !== 'TRANSPORT') throw new PairingError('UNEXPECTED_MESSAGE', `${message.type} in a session`);
      const plaintext = this.activeSession().open(message.message);
      return this.output([], { type: 'message', plaintext });
    } catch (error) {
      if (!isPairingError(error)) throw error;
      return this.reject(error, now);
    }
  }

  /** A TRANSPORT frame carrying `plaintext`; CLOSED unless established. */
  send(plaintext: Uint8Array): Uint8Array {
    return encodeFrame({ type: 'TRANSPORT', message: this.activeSession().seal(plaintext) });
  }

  /** Ends the connection and forgets its keys. */
  close(): void {
    this.session?.close();
    this.session = undefined;
    if (this.current !== 'failed') this.current = 'closed';
  }

  /** The next handshake step: frames to send; events go to `pending`. */
  protected abstract onHandshake(message: Message, now: number): Uint8Array[];

  /** Extra frames a side sends when it refuses something (the toy says why). */
  protected refusal(_error: PairingError, _now: number): Uint8Array[] {
    return [];
  }

  /** Subclasses may end a session whose bond has gone (revoked). */
  protected checkSession(): void {}

  protected establish(session: Session, bond: Bond, event: 'paired' | 'established'): void {
    this.session = session;
    this.bonded = bond;
    this.current = 'established';
    this.pending.push({ type: event, bond });
  }

  protected output(send: Uint8Array[], ...events: ConnectionEvent[]): Output {
    const all = [...this.pending.splice(0), ...events];
    return { send, events: all };
  }

  private activeSession(): Session {
    if (this.current !== 'established' || this.session === undefined) throw new PairingError('CLOSED', 'no session');
    this.checkSession();
    return this.session;
  }

  private reject(error: PairingError, now: number): Output {
    const fatal = this.current !== 'established' || error.code === 'UNKNOWN_BOND';
    const send = this.current === 'handshaking' ? this.refusal(error, now) : [];
    if (fatal) {
      this.close();
      this.current = 'failed';
    }
    return this.output(send, { type: 'rejected', error, fatal });
  }
}
