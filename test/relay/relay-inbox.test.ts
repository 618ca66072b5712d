// RelayClient.inbox(): what a phone app loops over: each envelope that awaits the phone, once, as
// it arrives; an acknowledged one is gone from the relay, one not acknowledged comes again from
// the next inbox().
import { openEnvelope } from '../../audio/envelope';
import { publicKeys } from '../../pairing/identity';
import type { Sodium } from '../../pairing/sodium';
import { sealed, sodiumReady, sqliteFamily } from './relay-harness';

let sodium: Sodium;
beforeAll(async () => {
  sodium = await sodiumReady();
});

it('hands each waiting envelope out once as it arrives; unacknowledged ones come again next time', async () => {
  const family = await sqliteFamily(sodium);
  const { relay, parent, grandma, mailbox } = family;
  try {
    const client = parent.client(relay.url);
    const first = await grandma.client(relay.url).post(mailbox, sealed(sodium, grandma, [parent]));

    const abort = new AbortController();
    const received: string[] = [];
    const reading = (async () => {
      for await (const item of client.inbox(mailbox, { signal: abort.signal, waitSeconds: 5 })) {
        const opened = openEnvelope(sodium, item.sealed, parent.keys, { senders: [publicKeys(grandma.keys)] });
        expect(opened.audio.length).toBe(2000);
        received.push(item.id);
        if (received.length === 1) await item.acknowledge();
        if (received.length === 2) abort.abort();
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await grandma.client(relay.url).post(mailbox, sealed(sodium, grandma, [parent]));
    await reading;
    expect(received).toEqual([first.id, second.id]);
    expect((await client.pending(mailbox)).map((e) => e.id)).toEqual([second.id]);

    const again: string[] = [];
    for await (const item of client.inbox(mailbox, { waitSeconds: 0 })) {
      again.push(item.id);
      break;
    }
    expect(again).toEqual([second.id]);
  } finally {
    await family.close();
  }
});
