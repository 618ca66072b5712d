// The toy's small peripherals: an LED, a battery that drains with use, and a speaker that
// "plays" a message by writing what it played as a WAV file and reporting it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type LedMode = 'off' | 'on' | 'blink';

export class Led {
  mode: LedMode = 'off';
}

/**
 * A coin-cell-like battery: idle drain per hour, and extra drain for radio bytes, recording and
 * playback. The rates are rough (a few days of standby); they exist so low battery can be tested.
 */
export class Battery {
  private microAmpHoursUsed = 0;
  constructor(private readonly capacityMicroAmpHours = 220_000) {}

  get percent(): number {
    return Math.max(0, Math.round(100 * (1 - this.microAmpHoursUsed / this.capacityMicroAmpHours)));
  }

  /** The charge used so far (µAh): with restore(), a harness that reuses one toy puts it back. */
  get used(): number {
    return this.microAmpHoursUsed;
  }

  restore(used: number): void {
    this.microAmpHoursUsed = used;
  }

  idle(ms: number): void {
    this.microAmpHoursUsed += (ms / 3_600_000) * 2_000;
  }

  radio(bytes: number): void {
    this.microAmpHoursUsed += bytes * 0.0005;
  }

  audio(seconds: number): void {
    this.microAmpHoursUsed += seconds * 5;
  }
}

export interface PlayedMessage {
  readonly id: string;
  readonly wavPath: string | undefined;
  readonly durationSeconds: number;
  /** Why the WAV of what was played could not be written (a full or read-only disk): played anyway. */
  readonly wavError?: string;
}

export class Speaker {
  constructor(private readonly outDir: string | undefined) {}

  /** Plays a decoded message: writes it as WAV (when an output folder is set) and reports it. */
  play(id: string, wav: Uint8Array, durationSeconds: number, playedAt: number): PlayedMessage {
    if (!this.outDir) return { id, wavPath: undefined, durationSeconds };
    const wavPath = join(this.outDir, `played-${playedAt}-${id}.wav`);
    try {
      mkdirSync(this.outDir, { recursive: true });
      writeFileSync(wavPath, wav);
    } catch (error) {
      // The sound came out of the speaker; only its file copy failed. An acknowledged message
      // stays acknowledged: the failure is reported, not thrown.
      return { id, wavPath: undefined, durationSeconds, wavError: (error as Error).message };
    }
    return { id, wavPath, durationSeconds };
  }
}
