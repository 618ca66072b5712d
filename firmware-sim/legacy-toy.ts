// The legacy profile: the open CloudPets toy as the 2017 research published it, rebuilt on
// purpose so the attack suite can show each attack working here and failing on the secure
// profile. No pairing, no bonding, no encryption: anyone in range may upload audio, play it,
// switch on the microphone, download what it heard, and change the LED and volume. The only
// "security" is a fixed 16-byte key every client sent. The original codec was proprietary; the
// slots hold our Ogg Opus bytes. This file is the toy's logic; legacy-gatt-server.ts serves it.
import { EventEmitter } from 'node:events';
import { encodeOpus } from '../audio/opus-codec';
import { writeOggOpus } from '../audio/ogg-opus';
import { oggToWav } from '../audio/voice-message';
import { Flash } from './flash';
import { Microphone, type MicrophoneSource } from './microphone';
import { Led, type PlayedMessage, Speaker } from './peripherals';

/** The key every CloudPets client sent: bytes 0..15. */
export const LEGACY_KEY = Uint8Array.from({ length: 16 }, (_, i) => i);
export const LEGACY_SLOTS = 5;
/** About 40 s of 16 kbit/s Opus per slot, as the original's slots held ~40 s. */
export const LEGACY_SLOT_BYTES = 100_000;
/** The toy records into slot 1. */
export const RECORD_SLOT = 1;
/** The toy asks for this many bytes per data_req notification. */
export const DATA_REQ_BYTES = 320;

export const LegacyState = {
  idle: 1,
  record: 2,
  upload: 3,
  playback: 5,
  download: 7,
  bufferPrime: 9,
  securityKeyCheckFailed: 15,
} as const;

export const LEGACY_MODELS = ['Bentley the Bear', 'Charley the Cat', 'Diesel the Dog', 'Bubbles the Bunny', 'Starburst the Unicorn'] as const;

/** What the legacy toy sends back over its notify characteristics. */
export interface LegacyOutput {
  state(value: number): void;
  dataRequest(bytes: number): void;
  audio(chunk: Uint8Array): void;
}

export interface LegacyToyOptions {
  readonly dir: string;
  readonly model?: (typeof LEGACY_MODELS)[number];
  readonly microphone?: MicrophoneSource;
  readonly speakerDir?: string;
  readonly recordSeconds?: number;
}

export interface LegacyToyEvents {
  played: [PlayedMessage & { readonly slot: number }];
  recorded: [{ readonly slot: number; readonly bytes: number; readonly remote: boolean }];
  led: [{ readonly mode: number; readonly ms: number }];
  volume: [number];
  uploaded: [{ readonly slot: number; readonly bytes: number }];
}

export class LegacyToy extends EventEmitter<LegacyToyEvents> {
  readonly model: string;
  readonly led = new Led();
  volume = 50;
  private readonly flash: Flash;
  private readonly microphone: Microphone;
  private readonly speaker: Speaker;
  private readonly recordSeconds: number;
  private upload: { slot: number; chunks: Uint8Array[]; bytes: number; requested: number } | undefined;

  constructor(options: LegacyToyOptions) {
    super();
    this.model = options.model ?? LEGACY_MODELS[0];
    this.flash = Flash.mount(options.dir);
    this.microphone = new Microphone(options.microphone);
    this.speaker = new Speaker(options.speakerDir);
    this.recordSeconds = options.recordSeconds ?? 3;
  }

  /** The config characteristic: a readable string, as the original exposed. */
  config(): string {
    return `${this.model};setup=2017-02-14;fw=1.0.19`;
  }

  slot(n: number): Uint8Array | undefined {
    return this.flash.read(`legacy/slot-${n}`);
  }

  /** A write to the cmd characteristic. Malformed commands are ignored, as the original did. */
  async command(data: Uint8Array, out: LegacyOutput): Promise<void> {
    const op = data[0];
    if (op === 0 && data.length === 18) return this.beginUpload(data, out);
    if (op === 1) return this.endUpload(out);
    if (op === 2) return this.download(out);
    if (op === 8 && data[1] === 1 && data.length >= 3) return this.play(data[2]!, out);
    if (op === 8 && data[1] === 2) return this.record(true, out);
  }

  /** A write to audio_send while an upload is primed. */
  audioSend(chunk: Uint8Array, out: LegacyOutput): void {
    const upload = this.upload;
    if (!upload || chunk.length > 20) return;
    if (upload.bytes + chunk.length > LEGACY_SLOT_BYTES) return;
    upload.chunks.push(Uint8Array.from(chunk));
    upload.bytes += chunk.length;
    upload.requested -= chunk.length;
    if (upload.requested <= 0) {
      upload.requested = DATA_REQ_BYTES;
      out.dataRequest(DATA_REQ_BYTES);
    }
  }

  ledCommand(data: Uint8Array): void {
    if (data.length < 3) return;
    const mode = data[0]!;
    const ms = data[1]! | (data[2]! << 8);
    this.led.mode = mode === 0 ? 'off' : mode === 1 ? 'on' : 'blink';
    this.emit('led', { mode, ms });
  }

  volumeCommand(data: Uint8Array): void {
    if (data.length < 2 || data[0] !== 0) return;
    this.volume = data[1]!;
    this.emit('volume', this.volume);
  }

  /** The paw button: records into slot 1, as the child would. */
  async pawPress(out?: LegacyOutput): Promise<void> {
    await this.record(false, out);
  }

  private beginUpload(data: Uint8Array, out: LegacyOutput): void {
    const slot = data[1]!;
    const key = data.subarray(2, 18);
    if (slot < 1 || slot > LEGACY_SLOTS || !Buffer.from(key).equals(Buffer.from(LEGACY_KEY))) {
      out.state(LegacyState.securityKeyCheckFailed);
      return;
    }
    this.upload = { slot, chunks: [], bytes: 0, requested: DATA_REQ_BYTES };
    out.state(LegacyState.bufferPrime);
    out.dataRequest(DATA_REQ_BYTES);
  }

  private endUpload(out: LegacyOutput): void {
    const upload = this.upload;
    if (!upload) return;
    this.upload = undefined;
    const bytes = Buffer.concat(upload.chunks);
    this.flash.write(`legacy/slot-${upload.slot}`, bytes);
    this.emit('uploaded', { slot: upload.slot, bytes: bytes.length });
    out.state(LegacyState.idle);
  }

  private async play(slot: number, out: LegacyOutput): Promise<void> {
    if (slot === 0) {
      out.state(LegacyState.idle);
      return;
    }
    const audio = this.slot(slot);
    if (!audio) return;
    out.state(LegacyState.playback);
    try {
      const wav = await oggToWav(audio);
      const seconds = (wav.length - 44) / 2 / 16000;
      this.emit('played', { ...this.speaker.play(`slot${slot}`, wav, seconds, Date.now()), slot });
    } catch {
      // Not audio the toy can play: the original made noise; we play nothing.
    }
    out.state(LegacyState.idle);
  }

  private async record(remote: boolean, out?: LegacyOutput): Promise<void> {
    out?.state(LegacyState.record);
    const ogg = writeOggOpus(encodeOpus(this.microphone.capture(this.recordSeconds)));
    this.flash.write(`legacy/slot-${RECORD_SLOT}`, ogg);
    this.emit('recorded', { slot: RECORD_SLOT, bytes: ogg.length, remote });
    out?.state(LegacyState.idle);
  }

  private async download(out: LegacyOutput): Promise<void> {
    const audio = this.slot(RECORD_SLOT);
    out.state(LegacyState.download);
    if (audio) for (let i = 0; i < audio.length; i += 16) out.audio(audio.subarray(i, i + 16));
    out.state(LegacyState.idle);
  }
}
