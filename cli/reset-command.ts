// `plushlink reset`: the owner asks the toy to erase everything (bonds, recordings, messages);
// the toy does it only when someone presses its paw within 30 s, so a phone alone cannot.
import { ToyClientError } from '../client/errors';
import { PAW_CONFIRM_MS } from '../firmware-sim/firmware';
import { parseCommandLine } from './args';
import type { Command } from './command';
import { openPhone, PHONE_HELP, PHONE_OPTIONS } from './phone';

export const resetCommand: Command = {
  name: 'reset',
  summary: "owner only: factory-reset the toy (confirmed by a paw press)",
  help: `usage: plushlink reset [phone options]

Owner only. Asks the toy to erase its bonds, recordings and messages for good; the toy waits
${PAW_CONFIRM_MS / 1000} s for a paw press to confirm (p + Enter at the toy, or plushlink paw --dir DIR). The
toy makes new keys and keeps its id and pairing code (the tag's code and QR pair the next owner):
it is new again. This phone forgets its bond too. Without any phone, holding the paw through
power-on for 10 s does the same (plushlink toy --hold-paw 10).

${PHONE_HELP}`,

  async run(args, out) {
    const { values } = parseCommandLine('reset', args, PHONE_OPTIONS);
    const phone = await openPhone('reset', values);
    const toyId = phone.toyId();
    const session = await phone.client.connect(toyId, out.signal ? { signal: out.signal } : {});
    if (session.bond.role !== 'owner') {
      // The toy refuses it anyway; saying so first spares a member the "press the paw" prompt.
      await session.disconnect();
      throw new ToyClientError('FORBIDDEN', 'only the owner may factory reset the toy');
    }
    out.print(`press the paw within ${PAW_CONFIRM_MS / 1000} s to confirm the factory reset of toy ${toyId}`);
    try {
      await session.factoryReset(out.signal ? { signal: out.signal } : {});
    } finally {
      await session.disconnect();
    }
    phone.client.forget(toyId);
    out.print(`toy ${toyId} was reset: bonds, recordings and messages erased; this phone forgot its bond`);
    return 0;
  },
};
