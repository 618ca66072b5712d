// The fast clock's settled(): a harness awaits it to know that everything an input set off has
// been delivered, including work a host put off by a few microtasks before scheduling it.
import { FastClock } from '../../radio/fast-clock';

describe('the fast clock, settled', () => {
  it('resolves after deferred tasks and the tasks they defer, in order', async () => {
    const clock = new FastClock();
    const ran: string[] = [];
    clock.defer(() => {
      ran.push('a');
      clock.defer(() => {
        ran.push('b');
        clock.defer(() => ran.push('c'));
      });
    });
    await clock.settled();
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('waits for work a host schedules from microtasks after the queue ran dry', async () => {
    const clock = new FastClock();
    const ran: string[] = [];
    clock.defer(() => {
      ran.push('write');
      // As noble's ACL flush does: it awaits before it writes to the socket.
      void Promise.resolve()
        .then(() => undefined)
        .then(() => undefined)
        .then(() => clock.defer(() => ran.push('delivered')));
    });
    await clock.settled();
    expect(ran).toEqual(['write', 'delivered']);
  });
});
