// Moving a family to another relay (client/relay-move.ts, what `plushlink move` runs): the owner's
// phone opens a mailbox on the new relay with the roster it recorded and signs a move link; a
// member's phone follows the link only when the owner signed it, for its toy, and newer than the
// last move it followed. A relay, a thief or a stranger cannot redirect a family.
import { RelayClient } from '../../client/relay-client';
import { encodeMoveLink, moveFamily, parseMoveLink } from '../../client/relay-move';
import { generatePartyKeys } from '../../pairing/identity';
import { type Sodium, sodiumReady } from '../../pairing/sodium';
import { keyIdOf } from '../../relay/request-signing';
import { useTestRelay } from '../relay/relay-harness';
import { thrown } from './helpers';

const TOY = '0123456789abcdef';

describe('moving a family to another relay', () => {
  const running = useTestRelay('sqlite');
  let sodium: Sodium;
  beforeAll(async () => {
    sodium = await sodiumReady();
  });

  it("opens a mailbox on the new relay whose roster the owner signed, and a link members verify", async () => {
    const url = running()!.relay.url;
    const owner = generatePartyKeys(sodium).signing;
    const grandma = generatePartyKeys(sodium).signing;
    const { move, link, roster } = await moveFamily(sodium, { toyId: TOY, url: `${url}/`, owner, members: [keyIdOf(grandma), keyIdOf(owner)], now: 1_000 });
    expect(move).toEqual({ toyId: TOY, url, mailbox: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), time: 1_000 });
    expect(roster).toEqual([keyIdOf(owner), keyIdOf(grandma)]);
    // Grandma's phone, on the new relay: the roster is the owner's signature, and she may post and read.
    const grandmaRelay = new RelayClient({ url, key: grandma, sodium });
    expect((await grandmaRelay.roster(move.mailbox, keyIdOf(owner))).members).toEqual(roster);
    expect(await grandmaRelay.pending(move.mailbox)).toEqual([]);
    expect(parseMoveLink(sodium, link, keyIdOf(owner), { toyId: TOY, after: 999 })).toEqual(move);
  });

  it('refuses a link the owner did not sign, an altered one, one for another toy, and an old one replayed', async () => {
    const owner = generatePartyKeys(sodium).signing;
    const thief = generatePartyKeys(sodium).signing;
    const move = { toyId: TOY, url: 'https://relay.example.org', mailbox: 'AAAAAAAAAAAAAAAAAAAAAA', time: 5_000 };
    const link = encodeMoveLink(sodium, move, owner);
    const refusal = (text: string, expect: { toyId?: string; after?: number } = {}) => thrown(Promise.resolve().then(() => parseMoveLink(sodium, text, keyIdOf(owner), expect)));
    const unsigned = { code: 'BAD_INPUT', message: "the move link is not signed by this family's owner" };
    expect(await refusal(encodeMoveLink(sodium, move, thief))).toMatchObject(unsigned);
    expect(await refusal(link.replace('relay.example.org', 'evil.example.org'))).toMatchObject(unsigned);
    expect(await refusal(link.replace('time=5000', 'time=5001'))).toMatchObject(unsigned);
    expect((await refusal(link, { after: 5_000 }))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/older than the move this phone already followed/) });
    expect(await refusal(link, { toyId: 'fedcba9876543210' })).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/for toy 0123456789abcdef, not fedcba9876543210/) });
    for (const bad of ['plushlink://invite?x=1', 'plushlink://moved?v=1', link.replace('relay=https', 'relay=ftp'), link.replace('v=1', 'v=2'), link.replace(/sig=[^&]+/, 'sig=abc')]) {
      expect({ bad, refused: (await refusal(bad)).message }).toEqual({ bad, refused: expect.stringMatching(/^(not a move link|the move link (is malformed|has no))/) });
    }
  });
});
