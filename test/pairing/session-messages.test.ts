// Session messages (requests, responses, events, transfer messages) survive a round trip exactly,
// and any bytes at all decode to a message or fail with PairingError('MALFORMED'), nothing else.
import fc from 'fast-check';
import { JOIN_METHODS } from '../../pairing/bond';
import { dammCheckDigit, parsePairingCode } from '../../pairing/code';
import { isPairingError } from '../../pairing/errors';
import { decodeSessionMessage, encodeSessionMessage, MESSAGE_REJECTIONS, REQUEST_ERRORS, STORAGE_HEALTH, type SessionMessage } from '../../pairing/session-messages';

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const time = fc.nat({ max: 2 ** 48 });
const u32 = fc.nat({ max: 0xffffffff });
const role = fc.constantFrom('owner' as const, 'member' as const);
const text = fc.string({ maxLength: 40 });
const recording = fc.record({ id, bytes: u32, createdAt: time });
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

const request = fc.oneof(
  fc.constantFrom('status', 'list-recordings', 'list-members', 'invite-member', 'factory-reset').map((command) => ({ command }) as const),
  fc.record({ command: fc.constantFrom('fetch-recording' as const, 'delete-recording' as const), id }),
  fc.record({ command: fc.constant('remove-member' as const), bondId: fc.stringMatching(/^[0-9a-f]{16}$/) }),
  fc.record({ command: fc.constant('set-volume' as const), level: fc.nat({ max: 100 }) }),
  fc.record({ command: fc.constant('add-member' as const), keys: fc.record({ static: key32, envelope: key32, signing: key32 }), label: text }),
  fc.record({ command: fc.constant('take-receipts' as const), taken: fc.array(id, { maxLength: 8 }) }),
);

const response = fc.oneof(
  fc.record({
    command: fc.constant('status' as const),
    status: fc.record({
      batteryPercent: fc.nat({ max: 100 }),
      storageUsedBytes: u32,
      storageCapacityBytes: u32,
      volume: fc.nat({ max: 100 }),
      recordings: fc.nat({ max: 0xffff }),
      messages: fc.nat({ max: 0xffff }),
      role,
      storage: fc.constantFrom(...STORAGE_HEALTH),
      quarantinedRecords: fc.nat({ max: 0xffff }),
    }),
  }),
  fc.record({ command: fc.constant('list-recordings' as const), recordings: fc.array(recording, { maxLength: 5 }) }),
  fc.record({ command: fc.constant('fetch-recording' as const), bytes: u32 }),
  fc.record({
    command: fc.constant('list-members' as const),
    members: fc.array(fc.record({ bondId: fc.stringMatching(/^[0-9a-f]{16}$/), role, createdAt: time, joined: fc.constantFrom(...JOIN_METHODS), label: text }), { maxLength: 5 }),
  }),
  fc.record({ command: fc.constant('invite-member' as const), validForMs: u32, code: fc.stringMatching(/^[0-9]{9}$/).map((body) => parsePairingCode(body + String(dammCheckDigit(body)))) }),
  fc.record({ command: fc.constant('factory-reset' as const), pawWithinMs: u32 }),
  fc.record({ command: fc.constant('add-member' as const), bondId: fc.stringMatching(/^[0-9a-f]{16}$/), destinationKey: key32 }),
  fc.record({ command: fc.constant('take-receipts' as const), receipts: fc.array(fc.record({ message: id, receipt: fc.uint8Array({ minLength: 1, maxLength: 400 }) }), { maxLength: 8 }) }),
  fc.constantFrom('delete-recording', 'remove-member', 'set-volume').map((command) => ({ command }) as const),
);

const event = fc.oneof(
  fc.record({ event: fc.constant('recording-added' as const), recording }),
  fc.record({ event: fc.constantFrom('message-stored' as const, 'message-played' as const), id }),
  fc.record({ event: fc.constant('message-rejected' as const), reason: fc.constantFrom(...MESSAGE_REJECTIONS) }),
  fc.constantFrom('reset-done', 'reset-cancelled', 'reset-failed').map((e) => ({ event: e }) as const),
);

const message: fc.Arbitrary<SessionMessage> = fc.oneof(
  fc.record({ kind: fc.constant('request' as const), id: fc.nat({ max: 0xffff }), request }),
  fc.record({ kind: fc.constant('response' as const), id: fc.nat({ max: 0xffff }), result: response }),
  fc.record({ kind: fc.constant('error' as const), id: fc.nat({ max: 0xffff }), error: fc.constantFrom(...REQUEST_ERRORS), detail: text }),
  fc.record({ kind: fc.constant('event' as const), event }),
  fc.record({ kind: fc.constant('transfer' as const), stream: fc.constantFrom('upload' as const, 'download' as const), message: fc.uint8Array({ maxLength: 300 }) }),
);

describe('session messages', () => {
  it('decode to exactly what was encoded', () => {
    fc.assert(
      fc.property(message, (m) => {
        const decoded = decodeSessionMessage(encodeSessionMessage(m));
        expect(encodeSessionMessage(decoded)).toEqual(encodeSessionMessage(m));
        expect(decoded.kind).toBe(m.kind);
      }),
      { numRuns: 400 },
    );
  });

  it('reject arbitrary bytes with PairingError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeSessionMessage(bytes);
        } catch (error) {
          expect(isPairingError(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('encode add-member as docs/PROTOCOL.md §11 says: three role keys in, bond id and destination key out (vector)', () => {
    const hex = (m: SessionMessage): string => Buffer.from(encodeSessionMessage(m)).toString('hex');
    const keys = { static: new Uint8Array(32).fill(1), envelope: new Uint8Array(32).fill(3), signing: new Uint8Array(32).fill(2) };
    expect(hex({ kind: 'request', id: 3, request: { command: 'add-member', keys, label: 'Gran' } })).toBe(`0103000a${'01'.repeat(32)}${'03'.repeat(32)}${'02'.repeat(32)}044772616e`);
    const answer: SessionMessage = { kind: 'response', id: 3, result: { command: 'add-member', bondId: '0011223344556677', destinationKey: new Uint8Array(32).fill(5) } };
    expect(hex(answer)).toBe(`0203000a10${Buffer.from('0011223344556677').toString('hex')}${'05'.repeat(32)}`);
  });

  it('refuse trailing bytes and an out-of-range volume', () => {
    const ok = encodeSessionMessage({ kind: 'request', id: 1, request: { command: 'status' } });
    expect(() => decodeSessionMessage(Uint8Array.of(...ok, 0))).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    const loud = encodeSessionMessage({ kind: 'request', id: 1, request: { command: 'set-volume', level: 100 } });
    loud[loud.length - 1] = 101;
    expect(() => decodeSessionMessage(loud)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });
});
