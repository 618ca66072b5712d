// HCI numbers from the Bluetooth Core Specification (Vol 4, Part E) that the virtual controller
// speaks: packet indicators (H4), opcodes, event codes, LE subevents and error codes.

/** H4 packet indicators (Vol 4, Part A). */
export const H4 = {
  command: 0x01,
  acl: 0x02,
  sco: 0x03,
  event: 0x04,
  iso: 0x05,
} as const;

export function opcode(ogf: number, ocf: number): number {
  return (ogf << 10) | ocf;
}

/** The commands the virtual controller implements. */
export const Op = {
  disconnect: opcode(0x01, 0x0006),
  readRemoteVersion: opcode(0x01, 0x001d),

  setEventMask: opcode(0x03, 0x0001),
  reset: opcode(0x03, 0x0003),
  readLeHostSupported: opcode(0x03, 0x006c),
  writeLeHostSupported: opcode(0x03, 0x006d),
  setEventMaskPage2: opcode(0x03, 0x0063),

  readLocalVersion: opcode(0x04, 0x0001),
  readLocalSupportedCommands: opcode(0x04, 0x0002),
  readLocalSupportedFeatures: opcode(0x04, 0x0003),
  readBufferSize: opcode(0x04, 0x0005),
  readBdAddr: opcode(0x04, 0x0009),

  readRssi: opcode(0x05, 0x0005),

  leSetEventMask: opcode(0x08, 0x0001),
  leReadBufferSize: opcode(0x08, 0x0002),
  leReadLocalSupportedFeatures: opcode(0x08, 0x0003),
  leSetRandomAddress: opcode(0x08, 0x0005),
  leSetAdvertisingParameters: opcode(0x08, 0x0006),
  leReadAdvertisingTxPower: opcode(0x08, 0x0007),
  leSetAdvertisingData: opcode(0x08, 0x0008),
  leSetScanResponseData: opcode(0x08, 0x0009),
  leSetAdvertiseEnable: opcode(0x08, 0x000a),
  leSetScanParameters: opcode(0x08, 0x000b),
  leSetScanEnable: opcode(0x08, 0x000c),
  leCreateConnection: opcode(0x08, 0x000d),
  leCreateConnectionCancel: opcode(0x08, 0x000e),
  leReadFilterAcceptListSize: opcode(0x08, 0x000f),
  leClearFilterAcceptList: opcode(0x08, 0x0010),
  leConnectionUpdate: opcode(0x08, 0x0013),
  leReadRemoteFeatures: opcode(0x08, 0x0016),
  leRand: opcode(0x08, 0x0018),
  leStartEncryption: opcode(0x08, 0x0019),
  leLtkReply: opcode(0x08, 0x001a),
  leLtkNegativeReply: opcode(0x08, 0x001b),
  leReadSupportedStates: opcode(0x08, 0x001c),
  leSetDataLength: opcode(0x08, 0x0022),
  leReadSuggestedDefaultDataLength: opcode(0x08, 0x0023),
  leWriteSuggestedDefaultDataLength: opcode(0x08, 0x0024),
  leReadMaximumDataLength: opcode(0x08, 0x002f),
  leReadPhy: opcode(0x08, 0x0030),
  leSetDefaultPhy: opcode(0x08, 0x0031),
  leSetPhy: opcode(0x08, 0x0032),
} as const;

/** Event codes. */
export const Ev = {
  disconnectionComplete: 0x05,
  encryptionChange: 0x08,
  readRemoteVersionComplete: 0x0c,
  commandComplete: 0x0e,
  commandStatus: 0x0f,
  hardwareError: 0x10,
  numberOfCompletedPackets: 0x13,
  leMeta: 0x3e,
  /** Vendor-specific events (the Microsoft-defined ones among them); no event mask bit gates them. */
  vendor: 0xff,
} as const;

/** LE meta event subevent codes. */
export const LeEv = {
  connectionComplete: 0x01,
  advertisingReport: 0x02,
  connectionUpdateComplete: 0x03,
  readRemoteFeaturesComplete: 0x04,
  longTermKeyRequest: 0x05,
  dataLengthChange: 0x07,
  phyUpdateComplete: 0x0c,
} as const;

/** Error codes (Vol 1, Part F). */
export const Status = {
  success: 0x00,
  unknownCommand: 0x01,
  unknownConnectionId: 0x02,
  hardwareFailure: 0x03,
  pinOrKeyMissing: 0x06,
  connectionTimeout: 0x08,
  commandDisallowed: 0x0c,
  invalidParameters: 0x12,
  remoteUserTerminated: 0x13,
  localHostTerminated: 0x16,
  unsupportedRemoteFeature: 0x1a,
  llResponseTimeout: 0x22,
  unacceptableConnectionParameters: 0x3b,
  micFailure: 0x3d,
  connectionFailedToEstablish: 0x3e,
} as const;

/** Legacy advertising PDU types as the Advertising Report names them. */
export const AdvReportType = {
  advInd: 0x00,
  advDirectInd: 0x01,
  advScanInd: 0x02,
  advNonconnInd: 0x03,
  scanRsp: 0x04,
} as const;

/** ACL packet-boundary flags (bits 12-13 of the handle field). */
export const AclBoundary = {
  firstNonFlushable: 0b00,
  continuing: 0b01,
  firstFlushable: 0b10,
} as const;

/** Event-mask bits that gate the events this controller sends (Set_Event_Mask). */
export const EventMaskBit = {
  disconnectionComplete: 4,
  encryptionChange: 7,
  readRemoteVersionComplete: 11,
  hardwareError: 15,
  leMeta: 61,
} as const;

/** Per the spec, an LE event's mask bit is its subevent code minus one. */
export function leEventMaskBit(subevent: number): number {
  return subevent - 1;
}

export const DEFAULT_EVENT_MASK = 0x00001fffffffffffn;
export const DEFAULT_LE_EVENT_MASK = 0x1fn;
