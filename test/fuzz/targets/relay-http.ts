// The relay's HTTP API under hostile requests: generated and mutated methods, paths, queries,
// content types, bodies (genuine padded envelopes, rosters and rendezvous messages, mutated) and
// signatures (a member's, the owner's, a stranger's, the member's session's HMAC, none, or a
// genuine one with its Signature-Input mutated), session openings, injected into a real relay (Fastify, libsodium, SQLite in memory)
// without sockets. Invariants: no request gets a 5xx, every refusal is a JSON reason, and a
// witness mailbox whose keys the inputs never hold still serves its envelope unchanged.
import fc from 'fast-check';
import { generatePartyKeys, publicKeys } from '../../../pairing/identity';
import type { SigningKeyPair } from '../../../pairing/keys';
import { type Sodium, sodiumReady } from '../../../pairing/sodium';
import { sealEnvelope } from '../../../audio/envelope';
import { DEFAULT_RELAY_CONFIG } from '../../../relay/config';
import { toBase64Url } from '../../../relay/ids';
import { padToBucket } from '../../../relay/padding';
import { type RequestSigner, keyIdOf, signRequest } from '../../../relay/request-signing';
import { sessionRequest } from '../../../client/relay-session';
import type { SessionOpened } from '../../../relay/routes/session-route';
import { signRoster } from '../../../relay/roster';
import { type Relay, buildRelay } from '../../../relay/server';
import { openStore } from '../../../relay/store/open-store';
import { hostileBytes, hostileText } from '../mutate';
import { type FuzzTarget, defineTarget, invariant, nothingThrown } from '../target';

type Signer = 'owner' | 'member' | 'stranger' | 'member-session' | 'none';
type BodyKind = 'none' | 'envelope' | 'roster' | 'message' | 'session' | 'random';

/** One generated request, before the world's genuine ids and bodies are filled in. */
export interface RelayFuzzStep {
  /** Method and path, the path possibly with $M (the family's mailbox), $W (the witness's), $E (an envelope id), $R (a rendezvous). */
  readonly route: readonly [string, string];
  /** Which body: a genuine padded envelope, roster or rendezvous message (with `flips` applied), random bytes, or none. */
  readonly body: BodyKind;
  readonly flips: readonly { readonly at: number; readonly xor: number }[];
  readonly random: Uint8Array;
  /** Overrides the content type that fits the body. */
  readonly contentType?: string | undefined;
  readonly signer: Signer;
  readonly signatureInput?: string | undefined;
}

/** The relay's routes, on the family's mailbox, the witness's and a rendezvous. */
const ROUTES: readonly (readonly [string, string])[] = [
  ['PUT', '/v1/mailboxes/$M'],
  ['GET', '/v1/mailboxes/$M/roster'],
  ['DELETE', '/v1/mailboxes/$M'],
  ['POST', '/v1/mailboxes/$M/envelopes'],
  ['GET', '/v1/mailboxes/$M/envelopes?limit=3'],
  ['GET', '/v1/mailboxes/$M/envelopes/$E'],
  ['DELETE', '/v1/mailboxes/$M/envelopes/$E'],
  ['PUT', '/v1/mailboxes/$W'],
  ['DELETE', '/v1/mailboxes/$W'],
  ['POST', '/v1/mailboxes/$W/envelopes'],
  ['GET', '/v1/mailboxes/$W/envelopes/$E'],
  ['PUT', '/v1/rendezvous/$R/0'],
  ['GET', '/v1/rendezvous/$R/0'],
  ['PUT', '/v1/rendezvous/$R/15'],
  ['GET', '/healthz'],
  ['POST', '/v1/sessions'],
];

export interface RelayFuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType?: string;
  readonly body?: Uint8Array;
  readonly signer: Signer;
  /** Replaces the genuine Signature-Input header when present. */
  readonly signatureInput?: string;
}

interface RelayWorld {
  readonly sodium: Sodium;
  readonly relay: Relay;
  readonly keys: Record<Exclude<Signer, 'none'>, SigningKeyPair | RequestSigner>;
  readonly witness: { readonly path: string; readonly key: SigningKeyPair; readonly bytes: Buffer };
}

const BASE = 'http://relay.invalid';
let world: Promise<RelayWorld> | undefined;

async function inject(w: { relay: Relay; sodium: Sodium }, key: SigningKeyPair | RequestSigner, method: string, path: string, body?: Uint8Array, contentType = 'application/octet-stream') {
  const headers = await signRequest(w.sodium, key, { method, url: `${BASE}${path}`, ...(body && { body }) });
  return w.relay.app.inject({ method: method as 'GET', url: path, headers: { ...headers, ...(body && { 'content-type': contentType }) }, ...(body && { payload: Buffer.from(body) }) });
}

/** The genuine material: ids, a roster, an envelope; and the witness mailbox. */
async function build(): Promise<RelayWorld & { seeds: Seeds; restore(): Promise<void> }> {
  const sodium = await sodiumReady();
  const store = await openStore({ dir: ':memory:' });
  const relay = await buildRelay({ ...DEFAULT_RELAY_CONFIG, logLevel: 'silent', longPollMaxSeconds: 0, ratePerMinute: 1e9, quotaEnvelopes: 1e6, quotaBytes: 2 ** 40, sweepSeconds: 3600, sessionSeconds: 7 * 24 * 3600 }, { store, sodium });
  const parties = { owner: generatePartyKeys(sodium), member: generatePartyKeys(sodium), stranger: generatePartyKeys(sodium) };
  const w = { sodium, relay };
  // The member's session, opened as RelayClient opens one.
  const opening = sessionRequest(sodium);
  const opened = await inject(w, parties.member.signing, 'POST', '/v1/sessions', opening.body, 'application/json');
  const session = opening.open(opened.json() as SessionOpened, Date.now()).signer;
  const keys = { owner: parties.owner.signing, member: parties.member.signing, stranger: parties.stranger.signing, 'member-session': session };
  const mailbox = toBase64Url(sodium.randombytes_buf(16));
  const roster = signRoster(sodium, mailbox, 1, [keyIdOf(keys.member)], keys.owner);
  const rosterJson = new TextEncoder().encode(JSON.stringify(roster));
  await inject(w, keys.owner, 'PUT', `/v1/mailboxes/${mailbox}`, rosterJson, 'application/json');
  const envelope = padToBucket(sodium, sealEnvelope(sodium, { audio: sodium.randombytes_buf(1500), sender: parties.member, recipients: [publicKeys(parties.owner)], time: 1 }));
  const posted = await inject(w, keys.member, 'POST', `/v1/mailboxes/${mailbox}/envelopes`, envelope);
  const envelopeId = (posted.json() as { id: string }).id;

  // The witness: a second family whose keys no input signs with.
  const witnessOwner = generatePartyKeys(sodium);
  const witnessMember = generatePartyKeys(sodium);
  const witnessBox = toBase64Url(sodium.randombytes_buf(16));
  await inject(w, witnessOwner.signing, 'PUT', `/v1/mailboxes/${witnessBox}`, new TextEncoder().encode(JSON.stringify(signRoster(sodium, witnessBox, 1, [keyIdOf(witnessMember.signing)], witnessOwner.signing))), 'application/json');
  const witnessEnvelope = padToBucket(sodium, sealEnvelope(sodium, { audio: sodium.randombytes_buf(900), sender: witnessMember, recipients: [publicKeys(witnessOwner)], time: 1 }));
  const witnessId = ((await inject(w, witnessMember.signing, 'POST', `/v1/mailboxes/${witnessBox}/envelopes`, witnessEnvelope)).json() as { id: string }).id;
  const witnessPath = `/v1/mailboxes/${witnessBox}/envelopes/${witnessId}`;

  const rendezvous = toBase64Url(sodium.randombytes_buf(16));
  return {
    sodium,
    relay,
    keys,
    witness: { path: witnessPath, key: witnessOwner.signing, bytes: Buffer.from(witnessEnvelope) },
    seeds: {
      ids: { $M: mailbox, $W: witnessBox, $E: envelopeId, $R: rendezvous },
      bodies: { envelope, roster: rosterJson, message: new Uint8Array([1, 2, 3]), session: sessionRequest(sodium).body },
    },
    // An earlier input may have deleted the family's mailbox or acknowledged its envelope: put both back.
    restore: async () => {
      await inject(w, keys.owner, 'PUT', `/v1/mailboxes/${mailbox}`, rosterJson, 'application/json');
      await inject(w, keys.member, 'POST', `/v1/mailboxes/${mailbox}/envelopes`, envelope);
    },
  };
}

interface Seeds {
  readonly ids: Readonly<Record<'$M' | '$W' | '$E' | '$R', string>>;
  readonly bodies: Readonly<Record<'envelope' | 'roster' | 'message' | 'session', Uint8Array>>;
}

/** A step made concrete: the world's ids in the path, the chosen body with its flips, a content type that fits it. */
function requestFor(w: RelayWorld & { seeds: Seeds }, s: RelayFuzzStep): RelayFuzzRequest {
  const [method, template] = s.route;
  const path = template.replace(/\$[MWER]/g, (name) => w.seeds.ids[name as '$M']);
  let body: Uint8Array | undefined;
  if (s.body === 'random') body = s.random;
  else if (s.body !== 'none') {
    body = w.seeds.bodies[s.body].slice();
    for (const f of s.flips) if (body.length > 0) body[f.at % body.length]! ^= f.xor;
  }
  const fitting = s.body === 'roster' || s.body === 'session' ? 'application/json' : 'application/octet-stream';
  return {
    method,
    path,
    signer: s.signer,
    ...(body !== undefined && { body, contentType: s.contentType ?? fitting }),
    ...(s.signatureInput !== undefined && { signatureInput: s.signatureInput }),
  };
}

/** Keeps only what an HTTP/1.1 request line and header can carry (the parser refuses the rest). */
const printable = (text: string): string => text.replace(/[^\x21-\x7e]/g, '');

async function runRequest(w: RelayWorld, r: RelayFuzzRequest): Promise<void> {
  const path = `/${printable(r.path).replace(/^\/+/, '')}`;
  const body = r.body && r.body.length > 0 ? r.body : undefined;
  const headers: Record<string, string> = r.signer === 'none' ? {} : await signRequest(w.sodium, w.keys[r.signer], { method: r.method, url: `${BASE}${path}`, ...(body && { body }) });
  if (r.signatureInput !== undefined) headers['signature-input'] = r.signatureInput.replace(/[^\x20-\x7e]/g, '');
  if (r.contentType !== undefined) headers['content-type'] = r.contentType.replace(/[^\x20-\x7e]/g, '');
  const response = await w.relay.app.inject({ method: r.method as 'GET', url: path, headers, ...(body && { payload: Buffer.from(body) }) });
  invariant(response.statusCode < 500, `${r.method} ${path} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
  if (response.statusCode >= 400 && r.method !== 'HEAD') {
    const reason = response.json() as { error?: unknown; message?: unknown };
    invariant(typeof reason.error === 'string' && typeof reason.message === 'string', `refusal ${response.statusCode} without a reason: ${response.body.slice(0, 200)}`);
  }
}

let runs = 0;

export function relayHttpTargets(): FuzzTarget[] {
  // The world is built at the first run (inside a test, for jest's module registry); the
  // arbitraries draw from templates that the world's genuine ids fill in at run time.
  let lazySeeds: ReturnType<typeof build> | undefined;
  const rarely = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
  const route = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ROUTES) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
        hostileText(['/v1/mailboxes/$M/envelopes?wait=3&limit=2', '/v1/rendezvous/$R/3?wait=1', '/v1/mailboxes/$W/envelopes/$E', '/v1/mailboxes/$M/roster']),
      ),
    },
  );
  const step: fc.Arbitrary<RelayFuzzStep> = fc.record({
    route,
    body: fc.constantFrom<BodyKind>('none', 'envelope', 'envelope', 'roster', 'message', 'session', 'random'),
    flips: fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 3 }),
    random: fc.uint8Array({ maxLength: 2000 }),
    contentType: rarely(fc.constantFrom('application/octet-stream', 'application/json', 'text/plain', 'application/json; charset=utf-8', '')),
    signer: fc.constantFrom<Signer>('owner', 'member', 'member', 'member-session', 'member-session', 'stranger', 'none'),
    signatureInput: rarely(
      hostileText([
        'sig=("@method" "@path" "@query");created=1;nonce="abcdefghijklmnopq";keyid="k";alg="ed25519"',
        'sig=("@method" "@path" "@query");created=1;nonce="abcdefghijklmnopq";keyid="AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";alg="hmac-sha256"',
      ]),
    ),
  });

  return [
    defineTarget<RelayFuzzStep[]>({
      name: 'relay-http',
      description: 'a relay (Fastify, SQLite in memory) fed hostile signed and unsigned requests: never a 5xx, every refusal a reason, a witness mailbox untouched',
      arbitrary: fc.array(step, { minLength: 1, maxLength: 3 }),
      async: true,
      ciRuns: 150,
      isExpected: nothingThrown,
      async run(input) {
        lazySeeds ??= build();
        world = lazySeeds;
        const w = await lazySeeds;
        await w.restore();
        for (const s of input) await runRequest(w, requestFor(w, s));
        // The witness's envelope, byte for byte, every 8th input: other families' requests changed nothing there.
        if (++runs % 8 === 0) {
          const response = await inject(w, w.witness.key, 'GET', w.witness.path);
          invariant(response.statusCode === 200 && response.rawPayload.equals(w.witness.bytes), `the witness envelope changed: ${response.statusCode}`);
        }
      },
    }),
  ];
}

/** Closes the relay the target built (for test teardown). */
export async function disposeRelayWorld(): Promise<void> {
  const w = await world;
  world = undefined;
  if (w) await w.relay.close();
}
