// The toy simulator's public surface: boot a toy's firmware on a flash folder and serve it on bleno.
export { ToyFirmware, type ToyFirmwareOptions, type FirmwareState, PAW_CONFIRM_MS, MAX_MESSAGE_BYTES } from './firmware';
export { ToyGattServer } from './gatt-server';
export { Flash, FlashError, type FlashUsage, DEFAULT_CAPACITY_BYTES } from './flash';
export { type MicrophoneSource, speechLike } from './microphone';
export * from './profile';
