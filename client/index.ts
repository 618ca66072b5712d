// The client library's public surface, for phone apps: import from here.
export { ToyClient, type ToyClientOptions, type NearbyToy, type PairingSecret, type ConnectOptions } from './toy-client';
export { ToySession, type FetchedRecording, type Progress, type TransferOptions, type StreamOptions, type SealOptions, type ToySessionEvents } from './toy-session';
export { ToyClientError, isToyClientError, type ToyClientErrorCode } from './errors';
export { FilePhoneStore, MemoryPhoneStore, type PhoneStore } from './phone-store';
export type { Bond, Role } from '../pairing/bond';
export type { RecordingInfo, MemberInfo, ToyStatus } from '../pairing/session-messages';
export { FamilyRelay, type FamilyPhone, type FamilyRelayOptions, type BridgeReport } from './family-relay';
export { RelayClient, RelayRefusal, newRelayId, type InboxItem } from './relay-client';
export {
  newRemoteInvitation,
  hostRemoteInvitation,
  joinRemoteInvitation,
  type HostedInvitation,
  type JoinResult,
  type RendezvousOptions,
} from './remote-invitation';
export type { InvitationOffer, RemoteInvitation } from '../pairing/remote-invitation';
export { moveFamily, encodeMoveLink, parseMoveLink, type FamilyMove, type MovedFamily } from './relay-move';
