// `plushlink pair`: pairs this phone with a toy whose pairing window is open, using the code on
// its tag or its QR payload (which also pins the toy's keys). The bond lands in the phone store.
import { isPairingError } from '../pairing/errors';
import { parseQrPayload } from '../pairing/qr';
import { parseCommandLine } from './args';
import type { Command } from './command';
import { openPhone, PHONE_HELP, PHONE_OPTIONS } from './phone';
import { UsageError } from './usage-error';

const OPTIONS = { ...PHONE_OPTIONS, code: { type: 'string' }, qr: { type: 'string' }, name: { type: 'string' } } as const;

export const pairCommand: Command = {
  name: 'pair',
  summary: 'pair this phone with a toy, by its code or QR payload',
  help: `usage: plushlink pair (--code CODE | --qr URI) [--name LABEL] [phone options]

Pairs this phone with a toy whose pairing window is open (press its paw first: plushlink paw).
The first phone becomes the toy's owner; later ones need the owner's invitation (plushlink
members invite) and become members. The bond is stored in the phone store.

  --code CODE          the pairing code on the toy's tag (spaces and dashes are fine)
  --qr URI             the QR payload (plushlink://pair?...): also checks the toy's keys
  --name LABEL         how the toy lists this phone (default: your user name)
${PHONE_HELP}`,

  async run(args, out) {
    const { values } = parseCommandLine('pair', args, OPTIONS);
    if ((values.code === undefined) === (values.qr === undefined)) throw new UsageError('pair needs either --code CODE or --qr URI');
    const qrToy = values.qr ? qrToyId(values.qr) : undefined;
    const phone = await openPhone('pair', values, values.name);
    const toyId = phone.toyId(qrToy);
    const session = await phone.client.pair(toyId, values.qr ? { qr: values.qr } : { code: values.code! }, out.signal ? { signal: out.signal } : {});
    await session.disconnect();
    out.print(`paired with toy ${toyId} as ${session.bond.role} (bond ${session.bond.bondId}); bond stored in ${phone.storePath}`);
    return 0;
  },
};

function qrToyId(uri: string): string {
  try {
    return parseQrPayload(uri).toyId;
  } catch (error) {
    if (isPairingError(error)) throw new UsageError(`--qr: not a plushlink pairing URI (${error.message})`);
    throw error;
  }
}
