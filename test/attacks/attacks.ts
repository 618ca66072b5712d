// The attacks, each written once and run against both profiles. An attack reports whether it
// got what it was after, with the evidence; attacks.test.ts expects success on the legacy toy
// and failure on the secure one, and report.ts prints the table (`npm run attacks`).
import { randomBytes } from 'node:crypto';
import { LEGACY_KEY } from '../../firmware-sim/legacy-toy';
import { RECOVERY_HOLD_MS } from '../../firmware-sim/physical-recovery';
import { LegacyCharacteristic } from '../../firmware-sim/legacy-gatt-server';
import { FRAMES_IN, FRAMES_OUT } from '../../firmware-sim/profile';
import { decodeFrame, encodeFrame, type Message } from '../../pairing/frame';
import { codeToPrs, generatePairingCode, parsePairingCode } from '../../pairing/code';
import { PhoneConnection } from '../../pairing/phone';
import { fakeToyAnswers } from './code-less-fake-toy';
import { calculateGenerator } from '../../pairing/cpace';
import { cpaceInputs } from '../../pairing/key-schedule';
import { DEFAULT_POLICY, INITIAL_POLICY, openForInvitation, pairingStatus, pawPress, type PolicyConfig, type PolicyState, recordWrongCode } from '../../pairing/policy';
import { sodiumReady } from '../../pairing/sodium';
import { MemoryPhoneStore } from '../../client/phone-store';
import { ToyClient } from '../../client/toy-client';
import { fragment, Reassembler } from '../../pairing/fragment';
import { encodeSessionMessage } from '../../pairing/session-messages';
import { AttackerLink, AttackerPhone } from './attacker-phone';
import { CloudPetsApp } from './cloudpets-app';
import type { Target } from './targets';
import { voiceClip } from './targets';

export interface Outcome {
  readonly succeeded: boolean;
  readonly evidence: string;
  /** Why the attack has nothing to aim at on this profile (the legacy toy has no bonds, no owner). */
  readonly notApplicable?: string;
}

/** The secure toy under attack, its owner's phone and its id. */
interface Family {
  readonly firmware: NonNullable<Target['secure']>['firmware'];
  readonly owner: ToyClient;
  readonly toyId: string;
}

/**
 * An attack on a family-model rule the legacy toy does not have at all (it has no bonds, no
 * owner): there the row says why it does not apply; on the secure toy `run` attacks the rule.
 */
function familyRule(id: string, title: string, legacyHasNo: string, run: (family: Family, target: Target) => Promise<Outcome>): Attack {
  return {
    id,
    title,
    async run(target) {
      if (!target.secure) return { succeeded: false, evidence: `does not apply: ${legacyHasNo}`, notApplicable: legacyHasNo };
      const { firmware, owner } = target.secure;
      return run({ firmware, owner, toyId: firmware.identity.toyId }, target);
    },
  };
}

export interface Attack {
  readonly id: string;
  readonly title: string;
  run(target: Target): Promise<Outcome>;
}

const settle = (ms = 150): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens a stranger's connection; the caller closes it. */
async function strangerLink(target: Target, name = 'stranger'): Promise<AttackerLink> {
  return new AttackerPhone(target.air, name).connect(target.name);
}

/**
 * What a stranger can do with the secure profile's frame characteristics without a bond: send
 * every kind of frame it can make (a session hello for a made-up bond, transport frames it cannot
 * encrypt, clear-text requests, the legacy commands) and listen to what comes back.
 */
async function tryWithoutCredentials(link: AttackerLink, requests: Uint8Array[]): Promise<Buffer[]> {
  const answers: Buffer[] = [];
  if (!link.has(FRAMES_IN)) return answers;
  await link.subscribe(FRAMES_OUT, (d) => answers.push(d));
  const frames = [
    encodeFrame({ type: 'SESSION_HELLO', nonce: randomBytes(16), destinationId: randomBytes(16), noise: randomBytes(48) }),
    ...requests.map((r) => encodeFrame({ type: 'TRANSPORT', message: Uint8Array.of(...randomBytes(8), ...r, ...randomBytes(16)) })),
    ...requests,
    Uint8Array.of(0, 1, ...LEGACY_KEY),
  ];
  for (const frame of frames) for (const piece of fragment(frame, 20)) await link.write(FRAMES_IN, piece);
  await settle();
  return answers;
}

/** A stranger connects and writes `writes` in order, subscribed first as the owner's app was. */
async function replayWrites(target: Target, name: string, writes: ReturnType<Target['sniffer']['writes']>): Promise<void> {
  const link = await strangerLink(target, name);
  try {
    // Subscribing first, as the owner's app did, so the toy answers the replayed commands.
    for (const c of link.surface()) if (c.properties.includes('notify')) await link.subscribe(c.uuid, () => undefined);
    for (const w of writes) if (link.has(w.uuid)) await link.write(w.uuid, w.value, w.withoutResponse);
  } finally {
    await settle(300);
    await link.disconnect();
  }
}

/** The owner's phone asks the toy for a one-time invitation code (and hangs up: one phone at a time). */
async function invitation(owner: ToyClient, toyId: string): Promise<string> {
  const session = await owner.connect(toyId);
  try {
    return (await session.inviteMember()).code;
  } finally {
    await session.disconnect();
  }
}

/** A new phone on the target's air with keys of its own. */
async function newPhone(target: Target, label: string): Promise<ToyClient> {
  return ToyClient.create({ radio: { kind: 'virtual', air: target.air }, store: MemoryPhoneStore.create(await sodiumReady()), label });
}

const request = (command: Parameters<typeof encodeSessionMessage>[0]): Uint8Array => encodeSessionMessage(command);

export const ATTACKS: readonly Attack[] = [
  {
    id: 'upload-and-play',
    title: "A stranger's phone uploads audio that the toy plays",
    async run(target) {
      const before = target.observed.played;
      const link = await strangerLink(target);
      try {
        if (link.has(LegacyCharacteristic.cmd)) {
          const app = await CloudPetsApp.start(link);
          await app.upload(4, voiceClip(99));
          await app.play(4);
        } else {
          await tryWithoutCredentials(link, [request({ kind: 'transfer', stream: 'upload', message: randomBytes(64) })]);
        }
      } finally {
        await link.disconnect();
      }
      await settle();
      const played = target.observed.played - before;
      return { succeeded: played > 0, evidence: `${played} stranger message(s) played` };
    },
  },
  {
    id: 'remote-microphone',
    title: "A stranger's phone switches the microphone on",
    async run(target) {
      const before = target.observed.remoteRecordings;
      const link = await strangerLink(target);
      try {
        if (link.has(LegacyCharacteristic.cmd)) await (await CloudPetsApp.start(link)).record();
        else await tryWithoutCredentials(link, [request({ kind: 'request', id: 1, request: { command: 'status' } })]);
      } finally {
        await link.disconnect();
      }
      await settle();
      const recordings = target.observed.remoteRecordings - before;
      return { succeeded: recordings > 0, evidence: `${recordings} recording(s) made without a paw press` };
    },
  },
  {
    id: 'download-recordings',
    title: "A stranger's phone downloads the child's recordings",
    async run(target) {
      const childsAudio = await target.childRecords();
      const link = await strangerLink(target);
      let got: Buffer = Buffer.alloc(0);
      try {
        if (link.has(LegacyCharacteristic.cmd)) got = await (await CloudPetsApp.start(link)).download();
        else {
          const answers = await tryWithoutCredentials(link, [request({ kind: 'request', id: 1, request: { command: 'list-recordings' } })]);
          got = Buffer.concat(answers);
        }
      } finally {
        await link.disconnect();
      }
      const leaked = got.length > 0 && got.includes(childsAudio.subarray(childsAudio.length - 64));
      return { succeeded: leaked, evidence: leaked ? `downloaded ${got.length} bytes of the child's recording` : `${got.length} bytes received, none of them the recording` };
    },
  },
  {
    id: 'led-and-volume',
    title: "A stranger's phone changes the LED and the volume",
    async run(target) {
      const before = { ...target.observed };
      const link = await strangerLink(target);
      try {
        if (link.has(LegacyCharacteristic.led)) {
          const app = await CloudPetsApp.start(link);
          await app.setLed(2, 500);
          await app.setVolume(before.volume === 100 ? 10 : 100);
        } else {
          await tryWithoutCredentials(link, [request({ kind: 'request', id: 1, request: { command: 'set-volume', level: 100 } })]);
          // Every other writable characteristic gets the legacy LED and volume commands too.
          for (const c of link.surface()) {
            if (c.properties.some((p) => p.startsWith('write'))) await link.write(c.uuid, Uint8Array.of(0, 100, 0, 100, 0));
          }
        }
      } finally {
        await link.disconnect();
      }
      await settle();
      const after = target.observed;
      const changed = after.volume !== before.volume || after.led !== before.led;
      return { succeeded: changed, evidence: `volume ${before.volume} → ${after.volume}, LED ${before.led} → ${after.led}` };
    },
  },
  {
    id: 'replay-captured-session',
    title: "A sniffer replays the owner's captured traffic",
    async run(target) {
      await target.ownerSendsVoice(voiceClip(5));
      const captured = target.sniffer.writes();
      const before = target.observed.played;
      await replayWrites(target, 'replayer', captured);
      const played = target.observed.played - before;
      return { succeeded: played > 0, evidence: `replayed ${captured.length} captured writes; the toy played ${played} message(s) again` };
    },
  },
  {
    id: 'alter-captured-traffic',
    title: "A man in the middle reorders and alters the owner's captured traffic",
    async run(target) {
      await target.ownerSendsVoice(voiceClip(17));
      const captured = target.sniffer.writes().map((w) => ({ ...w, value: Buffer.from(w.value) }));
      const stored = new Set(target.storedAudio().map((b) => b.toString('hex')));
      // A message the toy accepted may be gone again once played (retention), so plays count too.
      const playedBefore = target.observed.played;
      // Two writes in the middle swap places and the one before them loses a bit.
      const mid = Math.floor(captured.length / 2);
      [captured[mid], captured[mid + 1]] = [captured[mid + 1]!, captured[mid]!];
      const flipped = captured[mid - 1]!.value;
      flipped[flipped.length - 1]! ^= 0x01;
      await replayWrites(target, 'tamperer', captured);
      const accepted = target.storedAudio().filter((b) => !stored.has(b.toString('hex'))).length + (target.observed.played - playedBefore);
      return {
        succeeded: accepted > 0,
        evidence: accepted > 0 ? `the toy stored or played ${accepted} altered message(s) as genuine` : `${captured.length} reordered and altered writes: nothing stored or played`,
      };
    },
  },
  {
    id: 'fake-toy',
    title: 'A fake toy with the same name and advertisement takes the family\'s audio',
    async run(target) {
      // The attacker keeps the real toy busy (a toy serves one phone at a time and stops
      // advertising), so the family's phone hears only the fake.
      const holder = await strangerLink(target, 'holder');
      const fake = await target.startFakeToy();
      let refused = '';
      try {
        await target.ownerSendsVoice(voiceClip(11));
      } catch (error) {
        refused = (error as Error).message;
      } finally {
        await holder.disconnect();
      }
      await settle();
      const received = fake.receivedAudio();
      return { succeeded: received > 0, evidence: received > 0 ? `the fake toy received ${received} message(s)` : `the phone refused the fake: ${refused}` };
    },
  },
  {
    id: 'revoked-bond',
    title: "A thief uses a copied phone bond after the owner revoked it",
    async run(target) {
      const { worked, detail } = await target.stolenCredentialsAfterRevocation();
      return { succeeded: worked, evidence: detail };
    },
  },
  {
    id: 'revoked-member-rejoins',
    title: 'A revoked babysitter walks back in with the code on the tag or her old invitation',
    async run(target) {
      if (!target.secure) {
        const { worked, detail } = await target.stolenCredentialsAfterRevocation();
        return { succeeded: worked, evidence: `nothing to walk back into: ${detail}` };
      }
      const { firmware, owner } = target.secure;
      const toyId = firmware.identity.toyId;
      const babysitter = await newPhone(target, 'Babysitter');
      const oldInvitation = await invitation(owner, toyId);
      const joined = await babysitter.pair(toyId, { code: oldInvitation });
      const bondId = joined.bond.bondId;
      await joined.disconnect();
      const revoking = await owner.connect(toyId);
      await revoking.removeMember(bondId);
      await revoking.disconnect();
      babysitter.forget(toyId);
      const answers: string[] = [];
      const attempt = async (code: string): Promise<void> => {
        try {
          await (await babysitter.pair(toyId, { code }, { timeoutMs: 5000 })).disconnect();
          answers.push('PAIRED');
        } catch (error) {
          answers.push((error as { code?: string }).code ?? 'ERROR');
        }
      };
      // With the paw pressed (the window open), and again while the owner invites someone else.
      await firmware.pawPress({ long: true });
      for (const code of [firmware.identity.code, oldInvitation]) await attempt(code);
      await invitation(owner, toyId);
      await attempt(firmware.identity.code);
      const back = firmware.storage.bonds.list().some((b) => b.label === 'Babysitter');
      return { succeeded: answers.includes('PAIRED') || back, evidence: `tag code, old invitation, tag code during a new invitation: ${answers.join(', ')}` };
    },
  },
  familyRule(
    'duplicate-bond',
    "A phone that pairs twice makes the child's recordings unreadable for every member",
    'the legacy toy keeps no bonds and seals nothing: recordings are plain audio for anyone',
    async ({ firmware, owner, toyId }, target) => {
      const grandma = await newPhone(target, 'Grandma');
      // Grandma pairs, then pairs again with the same phone keys (a reinstalled app, a retry).
      for (let i = 0; i < 2; i++) await (await grandma.pair(toyId, { code: await invitation(owner, toyId) })).disconnect();
      const bonds = firmware.storage.bonds.list().length;
      await target.childRecords();
      const failures: string[] = [];
      for (const [who, phone] of [['owner', owner], ['grandma', grandma]] as const) {
        const session = await phone.connect(toyId);
        try {
          const latest = (await session.listRecordings()).at(-1)!;
          await session.fetchRecording(Buffer.from(latest.id).toString('hex'));
        } catch (error) {
          failures.push(`${who}: ${(error as Error).message}`);
        } finally {
          await session.disconnect();
        }
      }
      return {
        succeeded: failures.length > 0,
        evidence: `${bonds} bonds for 2 phones; ${failures.length > 0 ? failures.join('; ') : 'both phones fetched and opened the recording'}`,
      };
    },
  ),
  familyRule(
    'owner-demoted',
    "Re-pairing the owner's phone leaves the toy without a usable owner",
    'the legacy toy has no owner to lose: anyone in range controls it',
    async ({ firmware, owner, toyId }) => {
      // The owner's own phone uses an invitation (say, the app was reinstalled with its keys).
      const again = await owner.pair(toyId, { code: await invitation(owner, toyId) });
      const role = again.bond.role;
      let canInvite = true;
      try {
        await again.inviteMember();
      } catch {
        canInvite = false;
      } finally {
        await again.disconnect();
      }
      const owners = firmware.storage.bonds.list().filter((b) => b.role === 'owner').length;
      return {
        succeeded: role !== 'owner' || !canInvite || owners !== 1,
        evidence: `the phone paired again as ${role}; it ${canInvite ? 'can' : 'cannot'} invite; the toy has ${owners} owner(s)`,
      };
    },
  ),
  familyRule(
    'replayed-session-hello',
    "A sniffer replays the owner's SESSION_HELLO and holds the toy under the owner's name",
    'the legacy toy has no sessions or names: any connection is served, for as long as it stays',
    async ({ firmware }, target) => {
      await target.ownerSendsVoice(voiceClip(23));
      const hello = encodeFrame(capturedFrame(target, 'SESSION_HELLO'));
      const sessions: string[] = [];
      const onSession = (bond: { label: string }): number => sessions.push(bond.label);
      firmware.on('session', onSession);
      const link = await strangerLink(target, 'replayer');
      const answers: string[] = [];
      const started = Date.now();
      try {
        await link.subscribe(FRAMES_OUT, (d) => answers.push(d.toString('hex')));
        for (const piece of fragment(hello, 20)) await link.write(FRAMES_IN, piece);
        // Hold on as long as the toy lets us, up to 15 s.
        while (link.connected && Date.now() - started < 15_000) await settle(100);
      } finally {
        firmware.removeListener('session', onSession);
        await link.disconnect();
      }
      const heldMs = Date.now() - started;
      return {
        succeeded: sessions.length > 0 || heldMs >= 15_000,
        evidence: `the toy answered ${answers.length} fragment(s), counted ${sessions.length} session(s) (${sessions.join(', ') || 'none'}) and dropped the replayer after ${(heldMs / 1000).toFixed(1)} s`,
      };
    },
  ),
  {
    id: 'stolen-owner-phone',
    title: "A thief with the owner's phone (or a stranger who paired first) keeps the toy for ever",
    async run(target) {
      if (!target.secure) {
        const { worked, detail } = await target.stolenCredentialsAfterRevocation();
        return { succeeded: worked, evidence: `nothing can take the toy back from anyone: ${detail}` };
      }
      // A new toy; a stranger in range wins the race to pair first and becomes its owner.
      const toy = await target.secure.switchOn('raced-toy');
      const { toyId, code } = toy.identity;
      const thief = await newPhone(target, 'Thief');
      await toy.pawPress();
      await (await thief.pair(toyId, { code })).disconnect();
      // The family holds the paw through power-on: no phone involved.
      const recovered = await target.secure.switchOn('raced-toy', { pawHeldMs: RECOVERY_HOLD_MS });
      const answers: string[] = [];
      try {
        await (await thief.connect(toyId, { timeoutMs: 5000 })).disconnect();
        answers.push('thief: session');
      } catch (error) {
        answers.push(`thief: ${(error as { code?: string }).code ?? 'ERROR'}`);
      }
      const family = await newPhone(target, 'Family');
      await recovered.pawPress();
      let familyRole = 'none';
      try {
        const session = await family.pair(toyId, { code });
        familyRole = session.bond.role;
        await session.disconnect();
      } catch (error) {
        familyRole = (error as { code?: string }).code ?? 'ERROR';
      }
      const thiefBonded = recovered.storage.bonds.list().some((b) => b.label === 'Thief');
      return {
        succeeded: answers.includes('thief: session') || thiefBonded || familyRole !== 'owner',
        evidence: `after the paw was held through power-on: ${answers.join(', ')}; the family pairs with the tag code as ${familyRole}`,
      };
    },
  },
  familyRule(
    'link-phone-sessions',
    "A sniffer links one phone's sessions across connections by what its SESSION_HELLO shows",
    'the legacy toy has no sessions or phone identities: every connection is anonymous and equally open',
    async ({ owner, toyId }, target) => {
      for (let i = 0; i < 2; i++) await (await owner.connect(toyId)).disconnect();
      const hellos = capturedFrames(target, 'SESSION_HELLO').map(encodeFrame);
      const [first, second] = hellos.slice(-2).map((h) => h.subarray(2)); // past version and type
      const shared = first && second ? longestCommonRun(first, second) : 0;
      return {
        succeeded: hellos.length < 2 || shared >= 8,
        evidence: `${hellos.length} session hellos of one phone captured; the longest run of bytes two of them share is ${shared} byte(s)`,
      };
    },
  ),
  familyRule(
    'fake-toy-learns-phone-key',
    "A fake toy that does not know the code learns a pairing phone's static key",
    'the legacy toy and its app have no keys to learn',
    async ({ owner, toyId }) => {
      const sodium = await sodiumReady();
      // Grandma's phone pairs with a genuine invitation code; a fake toy answers instead of the real one.
      const code = await invitation(owner, toyId);
      const grandma = MemoryPhoneStore.create(sodium);
      const { connection, frame } = PhoneConnection.pair(sodium, { keys: grandma.keys, toyId, code: parsePairingCode(code), label: 'Grandma' });
      const got = fakeToyAnswers(sodium, toyId, connection, frame);
      const learnt = got.phoneStatic !== undefined && sodium.memcmp(got.phoneStatic, grandma.keys.static.publicKey);
      return {
        succeeded: learnt,
        evidence: learnt ? "the phone sent message 3 and the fake read its static key" : `the phone ${got.finishSent ? 'sent message 3, but the fake read no key from it' : 'stopped at the missing key confirmation: no message 3, no key'}`,
      };
    },
  ),
  familyRule(
    'relay-learns-recipients',
    'A relay holding a voice message learns whose phones or toy it is for',
    'the legacy audio names no recipients: it is plain audio anyone can play',
    async ({ firmware, owner }, target) => {
      const relayed = await target.voiceAsRelayed(voiceClip(19));
      const keys = [firmware.identity.keys.static.publicKey, owner.keysFor(firmware.identity.toyId).static.publicKey];
      const named = keys.filter((k) => relayed.includes(Buffer.from(k))).length;
      return { succeeded: named > 0, evidence: `${named} of the recipient's and sender's public keys appear in the ${relayed.length} bytes the relay holds` };
    },
  ),
  {
    id: 'relay-reads-or-alters',
    title: 'A relay holding a voice message reads or alters it',
    async run(target) {
      const ogg = voiceClip(13);
      const relayed = await target.voiceAsRelayed(ogg);
      // Reading: the Opus header or any 32-byte run of the audio is visible in what the relay holds.
      const readable = relayed.includes('OpusHead') || relayed.includes(Buffer.from(ogg.subarray(ogg.length - 32)));
      const altered = Buffer.from(relayed);
      altered[altered.length - 40]! ^= 0x20;
      const alteredPlayed = await target.deliverAltered(altered);
      return {
        succeeded: readable || alteredPlayed,
        evidence: `${readable ? 'the relay read the audio' : 'the relay saw only ciphertext'}; ${alteredPlayed ? 'an altered copy played' : 'the altered copy was refused'}`,
      };
    },
  },
  {
    id: 'offline-code-recovery',
    title: 'A sniffer captures the pairing and recovers the secret offline',
    async run(target) {
      // The capture holds everything written to and notified by the toy since before the owner
      // first used it. A secret is recovered offline when a value computable from a candidate
      // secret alone (the secret itself, its encodings, its CPace generator) appears in it.
      const captured = Buffer.concat(target.sniffer.att.map((a) => a.value));
      if (target.profile === 'legacy') {
        const found = captured.includes(Buffer.from(LEGACY_KEY));
        return { succeeded: found, evidence: found ? 'the shared key is in the clear in the captured upload command' : 'no key in the capture' };
      }
      const sodium = await sodiumReady();
      const identity = target.secure!.firmware.identity;
      const hello = capturedPairHello(target);
      const candidates = [identity.code, ...Array.from({ length: 199 }, () => generatePairingCode(sodium))];
      const confirmed = candidates.filter((code) => {
        const prs = codeToPrs(code);
        const checks = [Buffer.from(code), Buffer.from(prs), Buffer.from(sodium.crypto_hash_sha256(prs)), Buffer.from(calculateGenerator(sodium, prs, cpaceInputs(code, identity.toyId, hello.sid).ci, hello.sid))];
        return checks.some((value) => captured.includes(value));
      });
      return {
        succeeded: confirmed.length > 0,
        evidence: `${confirmed.length} of ${candidates.length} candidate codes (the right one included) confirmed by the capture of ${captured.length} bytes`,
      };
    },
  },
  {
    id: 'online-guessing',
    title: 'A stranger guesses the secret online, as fast as the toy allows',
    async run(target) {
      if (target.profile === 'legacy') {
        const link = await strangerLink(target, 'guesser');
        const open = link.has(LegacyCharacteristic.cmd);
        await link.disconnect();
        return { succeeded: open, evidence: 'nothing to guess: the key is fixed and public, every attempt is accepted (unlimited per hour)' };
      }
      // Live, in the most favourable moment for the stranger: the owner has just invited a new
      // member and the child opened the pairing window. The stranger tries wrong codes.
      const { firmware, owner } = target.secure!;
      const invited = await invitation(owner, firmware.identity.toyId);
      const sodium = await sodiumReady();
      const guesser = await newPhone(target, 'guesser');
      const answers: string[] = [];
      for (let i = 0; i < 5; i++) {
        let wrong = generatePairingCode(sodium);
        while (wrong === invited) wrong = generatePairingCode(sodium);
        try {
          await (await guesser.pair(firmware.identity.toyId, { code: wrong }, { timeoutMs: 5000 })).disconnect();
          answers.push('PAIRED');
        } catch (error) {
          answers.push((error as { code?: string }).code ?? 'ERROR');
        }
      }
      const perHour = guessesPerHour(DEFAULT_POLICY);
      const [paw, daily] = [yearlyGuessOdds(), yearlyGuessOdds(1)];
      const withoutDecay = yearlyGuessOdds(1, { ...DEFAULT_POLICY, lockoutDecayMs: Infinity });
      return {
        succeeded: answers.includes('PAIRED') || daily >= 1e-5 || daily > 10 * withoutDecay,
        evidence: `over the air: ${answers.join(', ')}; at most ${perHour} guesses in the first hour even with the paw pressed non-stop, then fewer (lockouts double up to a day, a quiet day forgives one); odds in a year of guessing ${paw.toExponential(1)} (paw pressed whenever possible), ${daily.toExponential(1)} with an owner also inviting daily (${withoutDecay.toExponential(1)} without the decay)`,
      };
    },
  },
  familyRule(
    'lockout-dos',
    'A stranger guessing codes non-stop keeps the family from adding a member',
    'the legacy toy has no lockout to abuse: it lets everyone in anyway',
    async ({ firmware, owner, toyId }, target) => {
      const sodium = await sodiumReady();
      const stranger = await newPhone(target, 'guesser');
      const answers = new Map<string, number>();
      let guessing = true;
      const guesser = (async () => {
        while (guessing) {
          let code;
          try {
            code = generatePairingCode(sodium);
            await (await stranger.pair(toyId, { code }, { timeoutMs: 2000 })).disconnect();
            answers.set('PAIRED', (answers.get('PAIRED') ?? 0) + 1);
          } catch (error) {
            const why = (error as { code?: string }).code ?? 'ERROR';
            answers.set(why, (answers.get(why) ?? 0) + 1);
          }
        }
      })();
      const started = Date.now();
      const deadline = started + 180_000;
      /** The family's phones retry while the stranger keeps the toy busy (it serves one phone at a time). */
      const persist = async <T>(work: () => Promise<T>): Promise<T> => {
        for (;;) {
          try {
            return await work();
          } catch (error) {
            if (Date.now() > deadline) throw error;
          }
        }
      };
      let outcome = 'not added';
      let lockedOut = false;
      try {
        // The owner's code invitation is what a stranger can spoil: its window locks within seconds.
        await persist(() => invitation(owner, toyId));
        await settle(1500);
        lockedOut = !firmware.pairing.status(firmware.now()).open;
        // Adding by key needs no window and no code, so the lockout has nothing to hold.
        const grandma = await newPhone(target, 'Grandma');
        const { grant } = await persist(async () => {
          const session = await owner.connect(toyId, { timeoutMs: 3000 });
          try {
            return await session.addMember(grandma.phoneKeys(toyId), 'Grandma');
          } finally {
            await session.disconnect();
          }
        });
        grandma.acceptGrant(grant);
        const role = await persist(async () => {
          const session = await grandma.connect(toyId, { timeoutMs: 3000 });
          try {
            return (await session.status()).role;
          } finally {
            await session.disconnect();
          }
        });
        outcome = `grandma in as ${role} after ${((Date.now() - started) / 1000).toFixed(1)} s`;
      } catch (error) {
        outcome = `grandma not in after ${((Date.now() - started) / 1000).toFixed(0)} s: ${(error as Error).message}`;
      } finally {
        guessing = false;
        await guesser;
      }
      const tally = [...answers].map(([k, n]) => `${k} x${n}`).join(', ');
      return {
        succeeded: !outcome.startsWith('grandma in as member') || answers.has('PAIRED'),
        evidence: `the stranger's guesses: ${tally}; the invitation window ${lockedOut ? 'was locked out' : 'stayed open'}; ${outcome}`,
      };
    },
  ),
  {
    id: 'floods',
    title: 'Floods (connections, oversized writes, fragment storms) damage the toy or lock the owner out',
    async run(target) {
      const connections = Number(process.env.FLOOD_CONNECTIONS ?? 100);
      const storedBefore = target.storedAudio().map((b) => b.toString('hex'));
      const heapBefore = process.memoryUsage().heapUsed;
      const attacker = new AttackerPhone(target.air, 'flooder');
      const peripheral = await attacker.find(target.name);
      for (let i = 0; i < connections; i++) {
        const link = await AttackerLink.open(peripheral);
        const writable = link.surface().filter((c) => c.properties.some((p) => p.startsWith('write')));
        if (i === 0) {
          // One connection carries the heavy part: oversized writes and a storm of fragments.
          for (const c of writable) for (let k = 0; k < 20; k++) await link.write(c.uuid, randomBytes(244));
          for (let k = 0; k < 500; k++) for (const c of writable) await link.write(c.uuid, randomBytes(20));
          if (link.has(LegacyCharacteristic.cmd)) {
            const app = await CloudPetsApp.start(link);
            for (let slot = 1; slot <= 5; slot++) await app.upload(slot, randomBytes(200));
          }
        } else if (writable[0]) {
          await link.write(writable[0].uuid, randomBytes(20));
        }
        await link.disconnect();
      }
      const heapGrowthMb = Math.max(0, (process.memoryUsage().heapUsed - heapBefore) / 1e6);
      const storedAfter = target.storedAudio().map((b) => b.toString('hex'));
      const damaged = storedBefore.some((b) => !storedAfter.includes(b));
      const ownerOk = await target.ownerCanStillUseToy();
      return {
        succeeded: damaged || !ownerOk || heapGrowthMb > 64,
        evidence: `${connections} connections; stored audio ${damaged ? 'overwritten' : 'intact'}; owner ${ownerOk ? 'still uses the toy' : 'locked out'}; heap +${heapGrowthMb.toFixed(1)} MB`,
      };
    },
  },
];

/** The PAIR_HELLO the owner's phone sent, reassembled from the captured writes. */
function capturedPairHello(target: Target): Extract<Message, { type: 'PAIR_HELLO' }> {
  return capturedFrame(target, 'PAIR_HELLO');
}

/** The last frame of `type` the owner's phone sent, reassembled from the captured writes. */
function capturedFrame<T extends Message['type']>(target: Target, type: T): Extract<Message, { type: T }> {
  const found = capturedFrames(target, type).at(-1);
  if (found === undefined) throw new Error(`no ${type} in the capture`);
  return found;
}

/** Every frame of `type` the phones sent, reassembled from the captured writes, oldest first. */
function capturedFrames<T extends Message['type']>(target: Target, type: T): Extract<Message, { type: T }>[] {
  const reassembler = new Reassembler();
  const found: Extract<Message, { type: T }>[] = [];
  for (const value of target.sniffer.writesTo(FRAMES_IN)) {
    let frame: Uint8Array | undefined;
    try {
      frame = reassembler.push(value);
    } catch {
      continue;
    }
    if (!frame) continue;
    let message: Message;
    try {
      message = decodeFrame(frame);
    } catch {
      continue;
    }
    if (message.type === type) found.push(message as Extract<Message, { type: T }>);
  }
  return found;
}

/** Length of the longest run of bytes that `a` and `b` share. */
function longestCommonRun(a: Uint8Array, b: Uint8Array): number {
  let best = 0;
  let previous = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const current = new Uint16Array(b.length + 1);
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) best = Math.max(best, (current[j] = previous[j - 1]! + 1));
    }
    previous = current;
  }
  return best;
}

/**
 * Wrong guesses the pairing policy lets through in the first hour if the paw were pressed every
 * time the window could open (the worst case: a child pressing it over and over).
 */
export function guessesPerHour(config: PolicyConfig): number {
  return guessesWithin(config, 3_600_000);
}

const DAY_MS = 24 * 3_600_000;

/**
 * Wrong guesses let through in `ms` with the paw pressed whenever it could open the window, and,
 * when `invitationsPerDay` > 0, an owner inviting that often (each invitation lifts the current
 * lockout and opens the window; its code is fresh, so this over-counts the odds against one code).
 * A guesser with `quietPeriods` > 0 plays the lockout decay: once the next lockout would be the
 * longest, it waits that many quiet periods (each forgives one past lockout) before guessing again.
 */
export function guessesWithin(config: PolicyConfig, ms: number, invitationsPerDay = 0, quietPeriods = 0): number {
  let state = INITIAL_POLICY;
  let now = 0;
  let guesses = 0;
  let nextInvitation = invitationsPerDay > 0 ? 0 : Infinity;
  while (now < ms) {
    if (now >= nextInvitation) {
      state = openForInvitation(state, now + 120_000);
      nextInvitation += DAY_MS / invitationsPerDay;
    }
    state = pawPress(state, now, config);
    const status = pairingStatus(state, now);
    if (!status.open) {
      now += status.reason === 'LOCKED_OUT' ? status.retryAfterMs : 1000;
      continue;
    }
    const waitUntil = (state.quietSince ?? 0) + quietPeriods * config.lockoutDecayMs;
    if (quietPeriods > 0 && state.strikes === 0 && config.lockoutBaseMs * 2 ** state.lockouts >= config.lockoutMaxMs && now < waitUntil) {
      now = waitUntil;
      continue;
    }
    state = recordWrongCode(state, now, config);
    guesses++;
    now += 1000; // a pairing attempt over BLE takes about a second
    if (!pairingStatus(state, now).open && now + 1000 < nextInvitation) now = Math.min(nextInvitation, now + Math.max(1000, lockedFor(state, now)));
  }
  return guesses;
}

function lockedFor(state: PolicyState, now: number): number {
  const status = pairingStatus(state, now);
  return !status.open && status.reason === 'LOCKED_OUT' ? status.retryAfterMs : 0;
}

/**
 * The chance a stranger guessing for a year finds a code (10^9 codes): the best of guessing
 * non-stop and of each way of waiting for the lockout decay. `config` without decay
 * (lockoutDecayMs: Infinity) gives the figure from before decay.
 */
export function yearlyGuessOdds(invitationsPerDay = 0, config: PolicyConfig = DEFAULT_POLICY): number {
  const strategies = Number.isFinite(config.lockoutDecayMs) ? [0, 1, 2, 3, 5, 8, 11, 15] : [0];
  return Math.max(...strategies.map((quiet) => guessesWithin(config, 365 * DAY_MS, invitationsPerDay, quiet))) / 1e9;
}
