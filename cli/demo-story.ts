// The story `plushlink demo` tells, step by step, on one virtual radio: a new toy, the parent's
// phone pairing with its code, voice both ways, grandma added as a member, and a stranger in
// range refused every way it tries. Each step is checked (checklist.ts); files land in `layout`.
import { writeFileSync } from 'node:fs';
import { openEnvelope } from '../audio/envelope';
import { oggToPcm } from '../audio/voice-message';
import { readWav } from '../audio/wav';
import type { ToyClient } from '../client/toy-client';
import type { ToySession, TransferOptions } from '../client/toy-session';
import type { ToyFirmware } from '../firmware-sim/firmware';
import type { PlayedMessage } from '../firmware-sim/peripherals';
import type { Bond, Role } from '../pairing/bond';
import { toHex } from '../pairing/bytes';
import { dammCheckDigit, formatPairingCode, type PairingCode } from '../pairing/code';
import { publicKeys } from '../pairing/identity';
import type { RecordingInfo } from '../pairing/session-messages';
import type { Air } from '../radio/air';
import { saveVoice } from './audio-files';
import { type Checklist, ensure, nextEvent } from './checklist';
import { DEMO_FAMILY } from './demo-family';
import type { DemoLayout } from './demo-layout';
import { kilobytes } from './progress-bar';
import { startToyOnAir } from './toy-on-air';
import { speak, type VoiceSource } from './voice';

export interface StoryContext {
  readonly air: Air;
  readonly layout: DemoLayout;
  readonly steps: Checklist;
  /** Narration: one line of the story. */
  readonly say: (line: string) => void;
  /** A phone on the air with its store in the output folder. */
  readonly phone: (label: string) => Promise<ToyClient>;
  /** Progress reporting for a transfer (a bar on a terminal, nothing otherwise). */
  readonly transfer: (label: string) => TransferOptions & { finish(): void };
  readonly voice?: VoiceSource;
}

const EVENT_MS = 10_000;
/** How long the toy records per paw press. */
const RECORD_SECONDS = 3;

/** What the story at home leaves for the part far away: the toy, and the owner's phone. */
export interface StoryAtHome {
  readonly firmware: ToyFirmware;
  readonly parent: ToyClient;
  /** How long the child's answer is, in seconds (what the toy records of the microphone). */
  readonly childSeconds: number;
}

export async function tellStory(context: StoryContext): Promise<StoryAtHome> {
  const { air, layout, steps, say, phone } = context;
  const { parent: parentPerson, grandma: grandmaPerson, child } = DEMO_FAMILY;

  say('1. A new toy is switched on. It makes its own keys and its own pairing code, printed on its tag.');
  const childVoice = speak(child.says, { seed: 7, seconds: 2.5, espeakVoice: 'en+f4', ...preference(context) });
  writeFileSync(layout.microphone, childVoice.wav);
  const childSeconds = Math.min(RECORD_SECONDS, wavSeconds(childVoice.wav));
  const { firmware } = await steps.expectOk(
    'the toy boots and advertises',
    () => startToyOnAir(air, { dir: layout.toyFlash, speakerDir: layout.toySpeaker, microphone: { kind: 'wav', path: layout.microphone }, recordSeconds: RECORD_SECONDS }),
    ({ firmware: f }) => `toy ${f.identity.toyId}, pairing code ${formatPairingCode(f.identity.code)} on its tag`,
  );
  const toyId = firmware.identity.toyId;

  say('2. The parent presses the paw, which opens the pairing window, and types the code into their phone.');
  const parent = await phone(parentPerson.label);
  await pressPawForPairing(context, firmware, false);
  const parentSession = await pairWithCode(context, firmware, parent, "the parent's", 'owner');

  say('3. The parent records a good-night message and sends it, sealed on the phone for this toy alone.');
  const parentVoice = speak(parentPerson.says, { seed: 3, seconds: 3, ...preference(context) });
  writeFileSync(layout.sent(parentPerson.label), parentVoice.wav);
  await sendAndHear(context, firmware, parentSession, parentPerson.label, parentVoice.wav);

  say('4. The child presses the paw and answers; the toy records, seals it for its phones, and the parent fetches it.');
  const recorded = await steps.expectOk(
    'the paw starts a recording (nothing over the air can)',
    async () => {
      const added = nextEvent<RecordingInfo>(parentSession, 'recording-added', EVENT_MS);
      await firmware.pawPress();
      return added;
    },
    (info) => `recording ${toHex(info.id)} (${kilobytes(info.bytes)} kB sealed) announced to the parent's phone`,
  );
  await steps.expectOk(
    "the parent's phone fetches and opens it",
    async () => {
      const progress = context.transfer('fetching');
      try {
        const fetched = await parentSession.fetchRecording(toHex(recorded.id), progress);
        const seconds = (await oggToPcm(fetched.ogg)).channels[0]!.length / 16000;
        await saveVoice(layout.fetched('ogg'), fetched.ogg);
        await saveVoice(layout.fetched('wav'), fetched.ogg);
        return { seconds, bytes: fetched.ogg.length };
      } finally {
        progress.finish();
      }
    },
    ({ seconds, bytes }) => {
      ensure(Math.abs(seconds - childSeconds) < 0.05, `${seconds.toFixed(2)} s of audio, the microphone heard ${childSeconds.toFixed(2)} s`);
      return `${seconds.toFixed(1)} s of the child's voice (${kilobytes(bytes)} kB Ogg Opus) → ${layout.relative(layout.fetched('ogg'))}, .wav`;
    },
  );

  say("5. Grandma gets her own phone on the toy: the owner's phone asks the toy for an invitation, a fresh");
  say('   one-time code (the tag code pairs the first owner only), and Grandma types it.');
  const invitation = await steps.expectOk(
    'the owner invites one more phone',
    () => parentSession.inviteMember(),
    ({ validForMs, code }) => `one-time code ${formatPairingCode(code)} for ${Math.round(validForMs / 1000)} s (the toy serves one phone at a time: the parent hangs up)`,
  );
  await parentSession.disconnect();
  say('   A stranger in range races in, with a guessed code and with the code read off the tag.');
  const stranger = await phone('Stranger');
  await steps.expectRefused("the stranger's guessed code", () => stranger.pair(toyId, { code: wrongCode(invitation.code) }), 'WRONG_CODE');
  await steps.expectRefused("the stranger's tag code", () => stranger.pair(toyId, { code: firmware.identity.code }), 'WRONG_CODE');
  const grandma = await phone(grandmaPerson.label);
  const grandmaSession = await pairWithCode(context, firmware, grandma, "grandma's", 'member', invitation.code);

  say('6. Grandma sends a message too, and sees who else is on the toy.');
  const grandmaVoice = speak(grandmaPerson.says, { seed: 5, seconds: 3, espeakVoice: 'en+f2', ...preference(context) });
  writeFileSync(layout.sent(grandmaPerson.label), grandmaVoice.wav);
  await sendAndHear(context, firmware, grandmaSession, grandmaPerson.label, grandmaVoice.wav);
  await steps.expectOk(
    "grandma's phone lists the toy's phones",
    () => grandmaSession.members(),
    (members) => {
      const listed = members.map((m) => `${m.label} (${m.role})`).join(', ');
      ensure(listed === `${parentPerson.label} (owner), ${grandmaPerson.label} (member)`, `the toy lists ${listed}`);
      return listed;
    },
  );
  await grandmaSession.disconnect();

  say('7. The stranger tries again with the code read off the tag, then with a made-up bond.');
  await steps.expectRefused('pairing with the right code while the window is closed', () => stranger.pair(toyId, { code: firmware.identity.code }), 'WINDOW_CLOSED');
  await steps.expectRefused(
    'a session from a phone the toy never bonded',
    () => {
      stranger.store.bonds.put(madeUpBond(firmware, stranger));
      return stranger.connect(toyId);
    },
    'NOT_BONDED',
  );
  await steps.expectOk(
    'the stranger got nothing',
    async () => firmware.storage.bonds.list().map((b) => b.label),
    (labels) => {
      ensure(labels.join(', ') === `${parentPerson.label}, ${grandmaPerson.label}`, `the toy holds bonds for ${labels.join(', ')}`);
      return `the toy still knows only ${parentPerson.label} and ${grandmaPerson.label}; no session, no recording`;
    },
  );
  return { firmware, parent, childSeconds };
}

function wavSeconds(wav: Uint8Array): number {
  const pcm = readWav(wav);
  return pcm.channels[0]!.length / pcm.sampleRate;
}

function preference(context: StoryContext): { prefer?: VoiceSource } {
  return context.voice ? { prefer: context.voice } : {};
}

async function pressPawForPairing(context: StoryContext, firmware: ToyFirmware, long: boolean): Promise<void> {
  await context.steps.expectOk(
    long ? 'a long paw press opens the pairing window' : 'the paw opens the pairing window',
    async () => {
      await firmware.pawPress({ long });
      return firmware.pairingWindowOpen;
    },
    (open) => {
      ensure(open, 'the pairing window stayed closed');
      return 'open for 120 s, and the toy advertises it';
    },
  );
}

/** A phone types the code (the tag's unless given) and should be bonded with `role`. */
function pairWithCode(context: StoryContext, firmware: ToyFirmware, phone: ToyClient, who: string, role: Role, code: string = firmware.identity.code): Promise<ToySession> {
  return context.steps.expectOk(
    `${who} phone pairs with the code`,
    () => phone.pair(firmware.identity.toyId, { code }),
    (session) => {
      ensure(session.bond.role === role, `paired as ${session.bond.role}, not ${role}`);
      return `bonded as ${role === 'owner' ? 'the owner' : 'a member'} (bond ${session.bond.bondId})`;
    },
  );
}

/** Sends a voice message, waits for the toy to play it, and keeps what the toy received. */
async function sendAndHear(context: StoryContext, firmware: ToyFirmware, session: ToySession, from: string, wav: Uint8Array): Promise<void> {
  await context.steps.expectOk(
    `${from}'s message reaches the speaker`,
    () =>
      toyPlays(context, firmware, from, async () => {
        const progress = context.transfer('sending');
        try {
          return await session.sendMessage(wav, progress);
        } finally {
          progress.finish();
        }
      }),
    (detail) => detail,
  );
}

/**
 * Runs `deliver` (it hands the toy a message and resolves with its id), waits for the toy to play
 * it, keeps what the toy received as `from`'s message, and says so.
 */
export async function toyPlays(context: Pick<StoryContext, 'layout'>, firmware: ToyFirmware, from: string, deliver: () => Promise<string>): Promise<string> {
  const played = nextEvent<PlayedMessage>(firmware, 'played', EVENT_MS);
  // Kept as it arrives: the toy erases a message once it has played it.
  const stored = nextEvent<{ id: string; envelope: Uint8Array }>(firmware, 'message-stored', EVENT_MS);
  for (const waiting of [played, stored]) waiting.catch(() => undefined); // a failed delivery is reported, not left unhandled
  const id = await deliver();
  const [heard, { envelope }] = await Promise.all([played, stored]);
  ensure(heard.id === id, `the toy played ${heard.id}, not ${id}`);
  // What the toy received is sealed; opened with the toy's own key it is the Ogg file the phone sent.
  await saveVoice(context.layout.received(from), openEnvelope(firmware.sodium, envelope, firmware.identity.keys).audio);
  return `message ${id} stored and played (${heard.durationSeconds.toFixed(1)} s) → ${context.layout.relative(heard.wavPath ?? '(no file)')}`;
}

/** A well-formed code (right length, right check digit) that is not the toy's. */
function wrongCode(code: PairingCode): string {
  for (let n = 123456789; ; n++) {
    const body = String(n).padStart(9, '0');
    const guess = body + String(dammCheckDigit(body));
    if (guess !== code) return guess;
  }
}

/** What a stranger who learnt the toy's public keys could fake: a bond the toy never made. */
function madeUpBond(firmware: ToyFirmware, stranger: ToyClient): Bond {
  return {
    bondId: toHex(stranger.sodium.randombytes_buf(8)),
    toyId: firmware.identity.toyId,
    peer: publicKeys(firmware.identity.keys),
    role: 'owner',
    createdAt: Date.now(),
    joined: 'tag-code',
    label: 'Stranger',
    destinationKey: stranger.sodium.randombytes_buf(32),
  };
}

/** The devices on the story's air, each with its own capture. */
export const STORY_DEVICES = ['toy', DEMO_FAMILY.parent.label, 'Stranger', DEMO_FAMILY.grandma.label] as const;
