// The realistic clock's side of an air's connections: one ConnectionEvents per link, fed by the
// controllers (data, terminate, connection and PHY updates as LL control PDUs with instants) and
// told by the air whether a packet gets through (power, range, seeded loss) and where it goes
// (the receiving host, after any host latency; the sniffer).
import type { Air } from './air';
import { ConnectionEvents, LlPdu, Llid } from './connection-events';
import type { Controller } from './controller';
import { LatencyProcess, LossProcess } from './faults';
import { ConnectionParameters, Link, otherRole, Phy, Role } from './link';
import { packetAirTimeUs } from './link-timing';
import { connectionUpdateInd, LlControl, phyPreference, phyUpdateInd, setInstant, terminateInd } from './ll-pdu';
import { Prng } from './prng';
import type { RealisticClock } from './realistic-clock';

/** Events between an update's LL PDU and its instant: the minimum the specification recommends. */
const INSTANT_DELAY = 6;
/** transmitWindowDelay after CONNECT_IND on legacy advertising (Vol 6, Part B, 4.5.3). */
const TRANSMIT_WINDOW_DELAY_US = 1250;

export class AirLinks {
  private readonly engines = new Map<Link<Controller>, ConnectionEvents>();
  private readonly losses = new Map<string, { readonly source: object; readonly process: LossProcess }>();
  private readonly latencies = new Map<Controller, { readonly source: object; readonly process: LatencyProcess }>();

  constructor(
    private readonly air: Air,
    readonly clock: RealisticClock,
  ) {}

  opened(link: Link<Controller>): void {
    const firstAnchorUs = this.clock.nowMicros() + packetAirTimeUs('1M', 34) + TRANSMIT_WINDOW_DELAY_US;
    const engine = new ConnectionEvents(
      link,
      this.clock,
      {
        reaches: (from) => this.reaches(link, from),
        received: (to, pdu) => this.received(link, to, pdu),
        timedOut: () => this.air.timedOut(link),
        observe: (packet) => {
          const sender = link.side(packet.from).controller;
          const receiver = link.side(otherRole(packet.from)).controller;
          const { accessAddress, crcInit } = link.identity;
          this.air.emit({ ...packet, accessAddress, crcInit, phy: link.phy, rssi: this.air.rssi(receiver, sender), direction: packet.from });
        },
      },
      firstAnchorUs,
    );
    this.engines.set(link, engine);
  }

  closed(link: Link<Controller>): void {
    this.engines.get(link)?.close();
    this.engines.delete(link);
  }

  closeAll(): void {
    for (const link of [...this.engines.keys()]) this.closed(link);
  }

  reachabilityChanged(link: Link<Controller>): void {
    this.engines.get(link)?.reachabilityChanged(this.reachable(link));
  }

  send(link: Link<Controller>, from: Role, fragments: ReadonlyArray<{ payload: Buffer; start: boolean }>, sent: () => void): void {
    const pdus = fragments.map((f, i): LlPdu => ({
      llid: f.start ? Llid.start : Llid.continuation,
      payload: f.payload,
      ...(i === fragments.length - 1 ? { acked: sent } : {}),
    }));
    this.engines.get(link)?.enqueue(from, pdus);
  }

  /** LL_TERMINATE_IND: the link ends once the peer acknowledges it (or by supervision timeout). */
  terminate(link: Link<Controller>, by: Controller, reason: number): void {
    this.engines.get(link)?.enqueue(link.roleOf(by), [{ llid: Llid.control, payload: terminateInd(reason), acked: () => this.air.disconnect(link, by, reason) }]);
  }

  /** LL_CONNECTION_UPDATE_IND from the central; the new parameters apply from its instant. */
  updateConnection(link: Link<Controller>, params: ConnectionParameters): void {
    const payload = connectionUpdateInd(params);
    this.atInstant(link, payload, 10, (engine, instant) => {
      link.params = params;
      engine.changeInterval(instant);
      for (const end of [link.central, link.peripheral]) end.controller.connectionUpdated(link, end.handle);
    });
  }

  /** The PHY update procedure: LL_PHY_REQ, LL_PHY_RSP, then LL_PHY_UPDATE_IND, whose instant switches both ends. */
  changePhy(link: Link<Controller>, phy: Phy): void {
    const engine = this.engines.get(link);
    const indicate = (): void =>
      this.atInstant(link, phyUpdateInd(phy), 3, () => {
        link.phy = phy;
        for (const end of [link.central, link.peripheral]) end.controller.phyChanged(link);
      });
    const respond = (): void => engine?.enqueue('peripheral', [{ llid: Llid.control, payload: phyPreference(LlControl.phyRsp, phy), acked: indicate }]);
    engine?.enqueue('central', [{ llid: Llid.control, payload: phyPreference(LlControl.phyReq, phy), acked: respond }]);
  }

  private atInstant(link: Link<Controller>, payload: Buffer, instantOffset: number, apply: (engine: ConnectionEvents, instant: number) => void): void {
    const engine = this.engines.get(link);
    if (!engine) return;
    engine.enqueue('central', [
      {
        llid: Llid.control,
        payload,
        beforeFirstSend: (counter) => {
          const instant = counter + INSTANT_DELAY;
          setInstant(payload, instantOffset, instant);
          engine.atEvent(instant, () => link.open && apply(engine, instant));
        },
      },
    ]);
  }

  private reachable(link: Link<Controller>): boolean {
    return this.air.alive(link, 'central') && this.air.alive(link, 'peripheral') && this.air.inRange(link.central.controller, link.peripheral.controller, link.phy);
  }

  private reaches(link: Link<Controller>, from: Role): boolean {
    if (!this.reachable(link)) return false;
    const to = otherRole(from);
    return !this.lossProcess(link, to).lost();
  }

  /** Each receiving end of each link draws from its own stream, labelled by link and role, so runs replay. */
  private lossProcess(link: Link<Controller>, to: Role): LossProcess {
    const receiver = link.side(to).controller;
    const model = this.air.faultsOf(receiver).loss ?? { kind: 'none' as const };
    const key = `${link.identity.serial}/${to}`;
    const known = this.losses.get(key);
    if (known && known.source === model) return known.process;
    const process = new LossProcess(model, Prng.derive(this.air.seed, 0x10000 + link.identity.serial * 2 + (to === 'central' ? 0 : 1)));
    this.losses.set(key, { source: model, process });
    return process;
  }

  private received(link: Link<Controller>, to: Role, pdu: LlPdu): void {
    if (pdu.llid === Llid.control) return; // control effects run on the sender's acknowledgement or instant
    const receiver = link.side(to).controller;
    const deliver = (): void => receiver.receiveData(link, pdu.payload, pdu.llid === Llid.start);
    const latency = this.latencyProcess(receiver);
    if (!latency.active) return deliver();
    this.clock.atMicros(latency.deliveryTime(this.clock.nowMicros()), deliver);
  }

  private latencyProcess(controller: Controller): LatencyProcess {
    const faults = this.air.faultsOf(controller);
    const known = this.latencies.get(controller);
    if (known && known.source === faults) return known.process;
    const process = new LatencyProcess(faults, Prng.derive(this.air.seed, 0x20000 + this.air.controllers.indexOf(controller)));
    this.latencies.set(controller, { source: faults, process });
    return process;
  }
}
