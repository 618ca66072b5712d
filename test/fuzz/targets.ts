// The registry of fuzz targets, by name: sans-IO targets for pairing/ and audio/, and air targets
// (a hostile central sending GATT traffic at a simulated toy over radio/, run() returning a promise).
import { type FuzzContext, fuzzContext } from './context';
import type { FuzzTarget } from './target';
import { airTargets } from './targets/air-toy';
import { audioFileTargets } from './targets/audio-files';
import { audioTransferTargets } from './targets/audio-transfer';
import { pairingConnectionTargets } from './targets/pairing-connections';
import { pairingDecoderTargets } from './targets/pairing-decoders';
import { relayHttpTargets } from './targets/relay-http';
import { storedRecordTargets } from './targets/stored-records';

export function buildTargets(ctx: FuzzContext): FuzzTarget[] {
  const targets = [...pairingDecoderTargets(ctx), ...pairingConnectionTargets(ctx), ...audioFileTargets(ctx), ...audioTransferTargets(ctx), ...storedRecordTargets(ctx), ...airTargets(), ...relayHttpTargets()];
  const names = new Set(targets.map((t) => t.name));
  if (names.size !== targets.length) throw new Error('two fuzz targets share a name');
  return targets;
}

let loaded: Promise<FuzzTarget[]> | undefined;

/** Every target, built once per process. */
export function loadTargets(): Promise<FuzzTarget[]> {
  loaded ??= fuzzContext().then(buildTargets);
  return loaded;
}
