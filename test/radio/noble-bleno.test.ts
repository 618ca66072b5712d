// The virtual radio carries the real, unmodified noble and bleno: a phone finds a toy, connects,
// uses GATT both ways, and either side can hang up.
import { Air } from '../../radio/air';
import { exerciseGatt } from '../../radio/self-test';

describe('noble and bleno on one virtual air', () => {
  let air: Air;
  beforeEach(() => {
    air = new Air({ seed: 7 });
  });
  afterEach(() => air.close());

  it('lets a central discover, connect, read, write, subscribe and disconnect', async () => {
    const session = await exerciseGatt(air);
    expect(session.connectable).toBe(true);
    expect(session.serviceUuids).toContain('7e570001000000000000000000000000');
    expect(session.rssi).toBeLessThan(0);
    expect(session.acceptedAddress).toBe(air.controllers.find((c) => c.name === 'phone')!.address);
    expect(session.read).toBe('hello from the toy');
    expect(session.written).toEqual([Buffer.alloc(200, 7), Buffer.from('ack me')]);
    expect(session.notified).toBe('paw pressed');
    expect(session.finalState).toBe('disconnected');
    // noble asks for 256 and bleno caps at 256: the largest ATT MTU these stacks allow.
    expect(session.mtu).toEqual({ central: 256, peripheral: 256 });
    expect(session.connectedRssi).toBe(session.rssi);
  });
});
