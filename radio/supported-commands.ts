// The Supported_Commands bit mask (Vol 4, Part E, 6.27) for the commands a controller implements,
// so hosts that read it see exactly what is answered.
import { Op } from './hci';

/** [octet, bit] of each command in the mask. */
const POSITIONS: ReadonlyMap<number, readonly [number, number]> = new Map<number, readonly [number, number]>([
  [Op.disconnect, [0, 5]],
  [Op.readRemoteVersion, [2, 7]],
  [Op.setEventMask, [5, 6]],
  [Op.reset, [5, 7]],
  [Op.readLocalVersion, [14, 3]],
  [Op.readLocalSupportedFeatures, [14, 5]],
  [Op.readBufferSize, [14, 7]],
  [Op.readBdAddr, [15, 1]],
  [Op.readRssi, [15, 5]],
  [Op.setEventMaskPage2, [22, 2]],
  [Op.readLeHostSupported, [24, 5]],
  [Op.writeLeHostSupported, [24, 6]],
  [Op.leSetEventMask, [25, 0]],
  [Op.leReadBufferSize, [25, 1]],
  [Op.leReadLocalSupportedFeatures, [25, 2]],
  [Op.leSetRandomAddress, [25, 4]],
  [Op.leSetAdvertisingParameters, [25, 5]],
  [Op.leReadAdvertisingTxPower, [25, 6]],
  [Op.leSetAdvertisingData, [25, 7]],
  [Op.leSetScanResponseData, [26, 0]],
  [Op.leSetAdvertiseEnable, [26, 1]],
  [Op.leSetScanParameters, [26, 2]],
  [Op.leSetScanEnable, [26, 3]],
  [Op.leCreateConnection, [26, 4]],
  [Op.leCreateConnectionCancel, [26, 5]],
  [Op.leReadFilterAcceptListSize, [26, 6]],
  [Op.leClearFilterAcceptList, [26, 7]],
  [Op.leConnectionUpdate, [27, 2]],
  [Op.leReadRemoteFeatures, [27, 5]],
  [Op.leRand, [27, 7]],
  [Op.leStartEncryption, [28, 0]],
  [Op.leLtkReply, [28, 1]],
  [Op.leLtkNegativeReply, [28, 2]],
  [Op.leReadSupportedStates, [28, 3]],
  [Op.leSetDataLength, [33, 6]],
  [Op.leReadSuggestedDefaultDataLength, [33, 7]],
  [Op.leWriteSuggestedDefaultDataLength, [34, 0]],
  [Op.leReadMaximumDataLength, [35, 3]],
  [Op.leReadPhy, [35, 4]],
  [Op.leSetDefaultPhy, [35, 5]],
  [Op.leSetPhy, [35, 6]],
]);

export function supportedCommandsMask(opcodes: readonly number[]): Buffer {
  const mask = Buffer.alloc(64);
  for (const op of opcodes) {
    const position = POSITIONS.get(op);
    if (position) mask[position[0]]! |= 1 << position[1];
  }
  return mask;
}
