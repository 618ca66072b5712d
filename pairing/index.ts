// pairing/'s public surface, for firmware-sim/, client/, audio/ and cli/. Everything is sans-IO:
// get libsodium once with sodiumReady(), then every call here is synchronous.
export { sodiumReady, type Sodium } from './sodium';
export type { PartyKeys, PeerPublicKeys, SigningKeyPair, StaticKeyPair } from './keys';
export { PairingError, isPairingError, type PairingErrorCode } from './errors';
export { type PairingCode, parsePairingCode, formatPairingCode, generatePairingCode } from './code';
export { type ToyIdentity, provisionToy, generatePartyKeys, publicKeys, keyFingerprint } from './identity';
export { type QrPayload, encodeQrPayload, parseQrPayload } from './qr';
export {
  type Bond,
  type BondStore,
  type Invite,
  type Role,
  MemoryBondStore,
  MAX_BONDS,
  bondForToy,
  roleForNewPairing,
  createInvite,
  authorizeRevoke,
} from './bond';
export {
  type PolicyConfig,
  type PolicyState,
  type PairingStatus,
  DEFAULT_POLICY,
  INITIAL_POLICY,
  pairingStatus,
  pawPress,
  recordWrongCode,
  recordSuccess,
  afterPowerCycle,
  encodePolicy,
  decodePolicy,
} from './policy';
export { type Message, type RefusalReason, PROTOCOL_VERSION, encodeFrame, decodeFrame } from './frame';
export { fragment, Reassembler, MIN_ATT_PAYLOAD, MAX_ATT_PAYLOAD, DEFAULT_MAX_FRAME_BYTES } from './fragment';
export { type ConnectionEvent, type ConnectionState, type Output, Connection } from './connection';
export { PhoneConnection, type PairOptions } from './phone';
export { Toy, ToyConnection, type ToyOptions } from './toy';
export { Session } from './transport';
export { CPACE_DRAFT, CPACE_SUITE } from './cpace';
export { protocolName, KK, XXpsk3 } from './noise/patterns';
