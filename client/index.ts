// The client library's public surface, for phone apps: import from here.
export { ToyClient, type ToyClientOptions, type NearbyToy, type PairingSecret, type ConnectOptions } from './toy-client';
export { ToySession, type FetchedRecording, type Progress, type TransferOptions, type SealOptions, type ToySessionEvents } from './toy-session';
export { ToyClientError, isToyClientError, type ToyClientErrorCode } from './errors';
export { FilePhoneStore, MemoryPhoneStore, type PhoneStore } from './phone-store';
export type { Bond, Role } from '../pairing/bond';
export type { RecordingInfo, MemberInfo, ToyStatus } from '../pairing/session-messages';
