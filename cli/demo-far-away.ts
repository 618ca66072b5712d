// The part of `plushlink demo` far from the toy: Granny joins the family by a remote invitation
// over an embedded family relay (in this process, SQLite in the output folder), sends a message
// that the parent's phone at home bridges to the toy, and fetches the child's answer. Each step
// is checked like the story at home (demo-story.ts).
import { writeFileSync } from 'node:fs';
import { oggToPcm, recordingToOgg } from '../audio/voice-message';
import { FamilyRelay } from '../client/family-relay';
import { RelayClient, newRelayId } from '../client/relay-client';
import { hostRemoteInvitation, joinRemoteInvitation, newRemoteInvitation } from '../client/remote-invitation';
import type { RecordingInfo } from '../pairing/session-messages';
import type { FetchedRecording } from '../client/toy-recording';
import { toHex } from '../pairing/bytes';
import { saveVoice } from './audio-files';
import { ensure, nextEvent } from './checklist';
import { DEMO_FAMILY } from './demo-family';
import { type StoryAtHome, type StoryContext, toyPlays } from './demo-story';
import { FarPhone } from './far-phone';
import { kilobytes } from './progress-bar';
import { speak } from './voice';

const INVITATION_WAIT_MS = 15_000;

/** What the far-away part leaves for the breach: the Ogg files that were sealed and sent. */
export interface StoryFarAway {
  /** Every voice message that went through the relay, as the Ogg Opus the sender sealed. */
  readonly voices: readonly Uint8Array[];
}

export async function tellFarAwayStory(context: StoryContext, relayUrl: string, home: StoryAtHome): Promise<StoryFarAway> {
  const { layout, steps, say } = context;
  const { firmware, parent } = home;
  const { granny } = DEMO_FAMILY;
  const toyId = firmware.identity.toyId;
  const sodium = parent.sodium;
  const voices: Uint8Array[] = [];

  say(`8. ${granny.label} lives far away. The parent's phone opens a family mailbox on the relay (embedded here,`);
  say(`   ${layout.relative(layout.relay)}/) and passes ${granny.label} a one-time link; the two phones meet on the relay and swap keys.`);
  const owner = new RelayClient({ url: relayUrl, key: parent.keysFor(toyId).signing, sodium });
  const mailbox = newRelayId(sodium);
  await steps.expectOk(
    "the owner's phone opens a family mailbox",
    () => owner.putRoster(mailbox, 1, [owner.keyId]),
    () => `mailbox ${mailbox} on ${relayUrl}: a random id and a roster signed by the owner's key, no name, no account`,
  );
  const grannyPhone = await FarPhone.open(layout.phoneStore(granny.label));
  await steps.expectOk(
    `${granny.label} joins with the link, from far away`,
    async () => {
      const { invitation, link } = newRemoteInvitation(sodium);
      const joining = joinRemoteInvitation(sodium, relayUrl, link, grannyPhone, { timeoutMs: INVITATION_WAIT_MS });
      joining.catch(() => undefined); // reported below, or by the host's failure first
      const offer = { toyId, toy: parent.bonds().find((b) => b.toyId === toyId)!.peer, mailbox, owner: owner.keyId };
      const hosted = await hostRemoteInvitation(sodium, owner, invitation, offer, { timeoutMs: INVITATION_WAIT_MS });
      // The owner's phone adds her by key in its next session with the toy, and lets her key into the mailbox.
      const session = await parent.connect(toyId);
      const added = await session.addMember(hosted.keys, granny.label);
      await session.disconnect();
      const roster = await owner.roster(mailbox, owner.keyId);
      await owner.putRoster(mailbox, roster.version + 1, [...roster.members, hosted.relayKey]);
      await hosted.complete(added);
      return { ...(await joining), roster: roster.version + 1 };
    },
    ({ bond, roster }) => {
      ensure(bond.role === 'member', `joined as ${bond.role}`);
      return `CPace over the relay's rendezvous (the relay never sees the link's secret); bonded as a member (bond ${bond.bondId}), her key on roster v${roster}`;
    },
  );

  say(`9. ${granny.label} records a message; her phone seals it for the toy and posts it. The parent's phone at home`);
  say('   bridges: relay → toy (the toy checks she is a member and her signature), then the toy\'s recordings → relay.');
  const grannyRelay = new FamilyRelay(grannyPhone, { url: relayUrl, mailbox, toyId });
  const bridge = new FamilyRelay(parent, { url: relayUrl, mailbox, toyId });
  const grannyVoice = speak(granny.says, { seed: 9, seconds: 3, espeakVoice: 'en+f3', ...(context.voice ? { prefer: context.voice } : {}) });
  writeFileSync(layout.sent(granny.label), grannyVoice.wav);
  const grannyOgg = recordingToOgg(grannyVoice.wav);
  writeFileSync(layout.sentOgg(granny.label), grannyOgg);
  voices.push(grannyOgg);
  const sentId = await steps.expectOk(
    `${granny.label}'s message goes up, sealed on her phone`,
    () => grannyRelay.sendRemote(grannyOgg),
    (id) => `message ${id} (${kilobytes(grannyOgg.length)} kB Ogg Opus, sealed for the toy alone) posted to the mailbox`,
  );
  const session = await parent.connect(toyId);
  try {
    await steps.expectOk(
      "the parent's phone bridges it and the toy plays it",
      () =>
        toyPlays(context, firmware, granny.label, async () => {
          const report = await bridge.bridge(session);
          ensure(report.delivered.length === 1 && report.delivered[0] === sentId, `the bridge delivered ${report.delivered.join(', ') || 'nothing'}, refused ${report.refused.map((r) => r.reason).join(', ') || 'nothing'}`);
          return sentId;
        }),
      (detail) => `the bridge carried sealed bytes it cannot open; ${detail}`,
    );
    const recorded = await steps.expectOk(
      'the child presses the paw and answers; the bridge posts the recording',
      async () => {
        const added = nextEvent<RecordingInfo>(session, 'recording-added', 10_000);
        await firmware.pawPress();
        const info = await added;
        const report = await bridge.bridge(session);
        ensure(report.uploaded.includes(toHex(info.id)), `the bridge posted ${report.uploaded.join(', ') || 'nothing'}`);
        return info;
      },
      (info) => `recording ${toHex(info.id)} (${kilobytes(info.bytes)} kB), sealed by the toy for its phones, posted to the mailbox`,
    );
    await session.disconnect();
    await steps.expectOk(
      `${granny.label} hears it played, then fetches the answer and opens it`,
      async () => {
        // Her inbox holds the toy's sealed "played" receipt for her message and the child's
        // recording, in whichever order the bridge posted them.
        const inbox = grannyRelay.inbox({ waitSeconds: 5 });
        let played: string | undefined;
        let heard: FetchedRecording | undefined;
        try {
          while (!played || !heard) {
            const next = await inbox.next();
            ensure(!next.done, `her inbox ended without ${played ? 'the recording' : 'the receipt'}`);
            const item = next.value!;
            if (item.kind === 'receipt') played = item.receipt.message;
            else if (item.kind === 'recording') heard = item.recording;
            else throw new Error(`her inbox held an envelope she cannot open (${item.id})`);
            await item.acknowledge();
          }
        } finally {
          await inbox.return(undefined);
        }
        await saveVoice(layout.fetchedBy(granny.label, 'ogg'), heard.ogg);
        await saveVoice(layout.fetchedBy(granny.label, 'wav'), heard.ogg);
        voices.push(heard.ogg);
        return { played, id: heard.id, seconds: (await oggToPcm(heard.ogg)).channels[0]!.length / 16000 };
      },
      ({ played, id, seconds }) => {
        ensure(played === sentId, `the receipt names message ${played}, she sent ${sentId}`);
        ensure(id === toHex(recorded.id), `she opened recording ${id}, not ${toHex(recorded.id)}`);
        ensure(Math.abs(seconds - home.childSeconds) < 0.05, `${seconds.toFixed(2)} s of audio, the microphone heard ${home.childSeconds.toFixed(2)} s`);
        return `a receipt sealed by the toy for her alone says message ${played} played; checked the recording came from the toy; ${seconds.toFixed(1)} s of the child's voice → ${layout.relative(layout.fetchedBy(granny.label, 'ogg'))}, .wav`;
      },
    );
  } finally {
    await session.disconnect().catch(() => undefined);
  }

  const morning = speak(granny.alsoSays ?? granny.says, { seed: 11, seconds: 2, espeakVoice: 'en+f3', ...(context.voice ? { prefer: context.voice } : {}) });
  const morningOgg = recordingToOgg(morning.wav);
  writeFileSync(layout.sentOgg(granny.label, 'waiting-message'), morningOgg);
  voices.push(morningOgg);
  await steps.expectOk(
    `${granny.label} sends one more for the morning; it waits on the relay`,
    () => grannyRelay.sendRemote(morningOgg),
    (id) => `message ${id} waits for the parent's phone to come by`,
  );
  return { voices };
}
