// From a capture file's bytes to what the page draws, whichever format it is.
import type { AirModel } from './air-model';
import { readCapture, type ReadOptions } from './capture-file';
import { modelFromHci } from './hci-capture';
import { modelFromAir } from './ll-capture';

export function buildModel(bytes: Uint8Array, options: ReadOptions = {}): AirModel {
  const file = readCapture(bytes, options);
  return file.format === 'pcap-ble-ll' ? modelFromAir(file) : modelFromHci(file);
}
