// Writes the hand-made edge inputs of the regression corpus (`npx tsx test/fuzz/seed-corpus.ts`;
// idempotent: entries are named by content). Each probes a boundary a random campaign rarely
// hits: lengths at their limits, counters and indices that wrap, empty and maximal fields, text
// with a byte-order mark, files that are valid but for one checked field.
import { saveEntry } from './corpus';
import { fuzzContext } from './context';
import { fixOggCrcs } from './ogg-crc';
import { fragment } from '../../pairing/fragment';
import { encodeFrame } from '../../pairing/frame';
import { encodeTransferMessage } from '../../audio/transfer-wire';
import { readEnvelopeHeader } from '../../audio/envelope';

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

async function main(): Promise<void> {
  const ctx = await fuzzContext();
  const g = ctx.pairing;
  const a = ctx.audio;
  const add = (target: string, note: string, input: unknown): void => void saveEntry({ target, note, input });
  const hello = g.phoneFrames[0] as Uint8Array;

  add('frame-decoder', 'empty frame', b());
  add('frame-decoder', 'version 2', b(2, 0x20));
  add('frame-decoder', 'REFUSED with reason index past the list', b(1, 0x7f, 9, 0, 0, 0, 0));
  add('frame-decoder', 'REFUSED with the largest retry-after', b(1, 0x7f, 2, 255, 255, 255, 255));
  add('frame-decoder', 'PAIR_HELLO cut inside its associated data', hello.subarray(0, 51));
  add('frame-decoder', 'version 3', b(3, 0x20));
  add('frame-decoder', 'v2 REFUSED with reason index past the list', b(2, 0x7f, 9, 0, 0, 0, 0));
  add('frame-decoder', 'v2 SESSION_HELLO cut inside its destination id', b(2, 0x10, ...new Uint8Array(16), 1, 2, 3));

  const long = encodeFrame({ type: 'TRANSPORT', message: new Uint8Array(1400).fill(0xa5) });
  add('fragment-reassembler', 'a valid 1401-byte frame in 20-byte fragments: the index wraps past 63', { maxFrameBytes: 4096, fragments: fragment(long, 20) });
  add('fragment-reassembler', 'a first fragment announcing 65535 bytes', { maxFrameBytes: 4096, fragments: [b(0x80, 0xff, 0xff, 1)] });
  add('fragment-reassembler', 'LAST flag on a fragment that does not complete its frame', { maxFrameBytes: 64, fragments: [b(0xc0, 10, 0, 1, 2)] });
  add('fragment-reassembler', 'continuation without a start, then a one-byte frame', { maxFrameBytes: 1, fragments: [b(0x01, 9), b(0xc0, 1, 0, 7)] });

  add('session-message-decoder', 'error detail that is only a byte-order mark (was stripped: found by this entry)', b(3, 1, 0, 1, 3, 0xef, 0xbb, 0xbf));
  add('session-message-decoder', 'remove-member whose bond id starts with a byte-order mark', b(1, 1, 0, 7, 4, 0xef, 0xbb, 0xbf, 0x41));
  add('session-message-decoder', 'list-recordings announcing 65535 entries and holding none', b(2, 0, 0, 2, 0xff, 0xff));
  add('session-message-decoder', 'remove-member with invalid UTF-8', b(1, 1, 0, 7, 2, 0xc3, 0x28));
  add('session-message-decoder', 'set-volume 101', b(1, 1, 0, 9, 101));
  add('session-message-decoder', 'add-member cut inside its signing key', b(1, 1, 0, 10, ...new Uint8Array(40)));
  add('session-message-decoder', 'take-receipts naming 9 ids (at most 8)', b(1, 1, 0, 11, 9, ...new Uint8Array(9 * 16)));
  add('session-message-decoder', 'take-receipts answer whose receipt length runs past the message', b(2, 1, 0, 11, 1, ...new Uint8Array(16), 0xff, 0xff, 1, 2, 3));
  add('session-message-decoder', 'invite-member response whose code has a wrong check digit', b(2, 1, 0, 6, 0xc0, 0xd4, 1, 0, ...new TextEncoder().encode('1234567890')));

  const bonds = new TextDecoder().decode(g.records[0]);
  add('records', 'bond list with a negative createdAt', { codec: 0, bytes: new TextEncoder().encode(bonds.replace(/"createdAt":\d+/, '"createdAt":-1')) });
  add('records', 'bond list record version 2', { codec: 0, bytes: new TextEncoder().encode(bonds.replace('"v":1', '"v":2')) });
  add('records', 'identity as a JSON array', { codec: 1, bytes: new TextEncoder().encode('[1]') });
  add('records', 'policy with a time above 2^53', { codec: 3, bytes: b(1, 1, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) });
  const zeros = (n: number): number[] => new Array<number>(n).fill(0);
  add('records', 'policy written before decay (format 1) with a lockout', { codec: 3, bytes: b(1, 2, ...zeros(8), 0, 4, 0x20, 0xa1, 0x07, 0, 0, 0, 0, 0) });
  add('records', 'policy format 1 claiming a quiet time', { codec: 3, bytes: b(1, 4, ...zeros(18)) });
  add('records', 'policy with a quiet time above 2^53', { codec: 3, bytes: b(2, 4, ...zeros(18), 255, 255, 255, 255, 255, 255, 255, 255) });

  const qr = g.qrPayloads[0] as string;
  add('qr-payload', 'fingerprint in upper case hex', qr.replace(/fp=([0-9a-f]+)/, (_m, fp: string) => `fp=${fp.toUpperCase()}`));
  add('qr-payload', 'a field twice', `${qr}&v=1`);
  add('qr-payload', 'code with a dash (allowed when typed, not in a QR)', qr.replace(/code=(\d{5})/, 'code=$1-'));

  add('pairing-code', 'ten digits with a wrong check digit', `${g.identity.code.slice(0, 9)}${(Number(g.identity.code[9]) + 1) % 10}`);
  add('pairing-code', 'full-width digits', '１２３４５６７８９０');
  add('pairing-code', 'the code in a 64-character field of dashes', g.identity.code.padEnd(64, '-'));

  add('toy-connection', 'the genuine pairing replayed from a recording', g.pairingFrames.filter((s) => s.from === 'phone').map((s) => s.frame));
  add('toy-connection', 'the genuine session resume and its messages replayed', g.sessionFrames.filter((s) => s.from === 'phone').map((s) => s.frame));
  add('toy-connection', 'SESSION_HELLO for a bond id the toy does not hold', [b(1, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, ...new Uint8Array(48))]);
  add('toy-connection', 'v2 SESSION_HELLO whose destination id names no bond', [b(2, 0x10, ...new Uint8Array(16).fill(7), ...new Uint8Array(16).fill(9), ...new Uint8Array(48))]);
  add('toy-connection', 'a genuine SESSION_HELLO then a transport frame that is not its session confirm', [g.sessionFrames[0]!.frame, b(2, 0x20, ...new Uint8Array(24))]);
  add('phone-connection', 'genuine toy frames replayed to a pairing phone', { resume: false, frames: g.toyFrames });
  add('phone-connection', 'LOCKED_OUT refusal while resuming', { resume: true, frames: [encodeFrame({ type: 'REFUSED', reason: 'LOCKED_OUT', retryAfterMs: 5 })] });

  add('handshake-tamper-pair', 'PAIR_FINISH with one bit flipped (counts as a wrong code)', { index: 2, frame: (() => {
    const f = g.pairingFrames[2]?.frame.slice() ?? b();
    f[f.length - 1] = (f[f.length - 1] as number) ^ 1;
    return f;
  })() });
  add('handshake-tamper-resume', 'SESSION_HELLO with its bond id zeroed', { index: 0, frame: b(1, 0x10, 0, 0, 0, 0, 0, 0, 0, 0) });
  add('handshake-tamper-resume', 'v2 SESSION_HELLO with its destination id zeroed', { index: 0, frame: Uint8Array.from([...(g.sessionFrames[0]!.frame as Uint8Array)].map((x, i) => (i >= 18 && i < 34 ? 0 : x))) });
  add('handshake-tamper-resume', 'the session confirm dropped (an empty transport frame instead)', { index: 2, frame: b(2, 0x20) });

  add('transport', 'counter 2^64-1 with a tag-sized ciphertext', [b(255, 255, 255, 255, 255, 255, 255, 255, ...new Uint8Array(16))]);
  add('transport', 'counter 0 with no ciphertext, then an empty message', [b(0, 0, 0, 0, 0, 0, 0, 0), b()]);
  add('transport', 'counter 0 with 15 bytes (one short of a tag)', [b(0, 0, 0, 0, 0, 0, 0, 0, ...new Uint8Array(15))]);

  add('wav-reader', 'data size 0xffffffff (streamed WAV): read to the end', (() => {
    const w = (a.wavs[0] as Uint8Array).slice();
    w.set([255, 255, 255, 255], 40);
    return w;
  })());
  add('wav-reader', 'fmt chunk declaring 8 channels', (() => {
    const w = (a.wavs[0] as Uint8Array).slice();
    w[22] = 8;
    return w;
  })());
  add('wav-reader', 'RIFF header only', (a.wavs[0] as Uint8Array).subarray(0, 12));

  const ogg = a.oggs[0] as Uint8Array;
  add('ogg-opus-reader', 'last page without its end-of-stream flag (CRC repaired)', (() => {
    const o = ogg.slice();
    let at = 0;
    let last = 0;
    while (at < o.length) {
      last = at;
      const segments = o[at + 26] as number;
      at += 27 + segments + o.subarray(at + 27, at + 27 + segments).reduce((n, x) => n + x, 0);
    }
    o[last + 5] = (o[last + 5] as number) & ~0x04;
    return fixOggCrcs(o);
  })());
  add('ogg-opus-reader', 'first page only', ogg.subarray(0, 47));

  add('envelope-opener', 'the genuine envelope, opened by a stranger', [a.envelope, true]);
  add('envelope-opener', 'the genuine envelope with one trailing byte', [Uint8Array.from([...a.envelope, 0]), false]);
  add('envelope-opener', 'recipient count 0', [(() => {
    const e = a.envelope.slice();
    e[4 + 1 + 1 + 16 + 8 + 32] = 0;
    return e;
  })(), false]);

  const guard = a.replayGuards[0] as string;
  add('replay-guard-json', 'maxEntries 0', { json: guard.replace(/"maxEntries":\d+/, '"maxEntries":0'), id: 0, dt: 0 });
  add('replay-guard-json', 'entries out of time order', { json: guard.replace(/"time":(\d+)/, '"time":9'), id: 4, dt: 1 });
  add('replay-guard-json', 'floor above every entry', { json: guard.replace(/"floor":-?\d+/, `"floor":${a.envelopeTime + 5}`), id: 4, dt: 20 });

  add('receiver-snapshot', 'magic only', b(0x50, 0x4c, 0x52, 0x53));
  add('receiver-snapshot', 'partial transfer of 2^32-1 bytes', b(0x50, 0x4c, 0x52, 0x53, 1, 1, ...new Uint8Array(32), 255, 255, 255, 255, 0, 1));

  const hash = a.envelopeHash;
  add('transfer-wire', 'state with a bitmap longer than its window allows', encodeTransferMessage({ type: 'state', tag: 1, next: 0, window: 8, received: b(0) }).subarray(0, 10));
  add('transfer-wire', 'offer of 0 bytes', b(1, ...hash, 0, 0, 0, 0, 0, 128, 0, 8));
  add('transfer-wire', 'reject with reason 0', b(0x13, ...hash, 0));
  add('transfer-receiver', 'offer of the maximum size, then data beyond the window', { window: 1, messages: [encodeTransferMessage({ type: 'offer', hash, total: 64 * 1024, chunkSize: 1, window: 1024 }), encodeTransferMessage({ type: 'data', tag: (hash[0] as number) * 256 + (hash[1] as number), index: 5, payload: b(1) })] });
  add('transfer-receiver', 'the genuine transfer delivered twice', { window: 8, messages: [...a.toReceiver, ...a.toReceiver] });
  add('transfer-sender', 'state acknowledging every chunk, then a reconnect with 1-byte chunks', [
    { kind: 'message', bytes: encodeTransferMessage({ type: 'state', tag: (hash[0] as number) * 256 + (hash[1] as number), next: 7, window: 8, received: b() }) },
    { kind: 'reconnect', chunkSize: 1 },
    { kind: 'message', bytes: encodeTransferMessage({ type: 'state', tag: (hash[0] as number) * 256 + (hash[1] as number), next: 3, window: 1024, received: new Uint8Array(128).fill(255) }) },
  ]);
  const voiceId = Buffer.from(readEnvelopeHeader(a.envelope).id).toString('hex');
  add('stored-records', 'a zero-filled recording, as an erase cut by a power cut left it (powered the toy off at every fetch --list)', [{ key: `recordings/${voiceId}`, framing: 'raw', bytes: new Uint8Array(5170) }]);
  add('stored-records', 'a zeroed partial upload (stopped the boot with CORRUPT_RECORD)', [{ key: 'upload', framing: 'raw', bytes: new Uint8Array(300) }]);
  add('stored-records', 'a recording truncated to 4096 bytes by a short write', [{ key: `recordings/${voiceId}`, framing: 'raw', bytes: a.envelope.subarray(0, 4096) }]);
  add('stored-records', 'a valid record holding a recording under another id', [{ key: `recordings/${'ab'.repeat(16)}`, framing: 'framed', bytes: a.envelope }]);
  add('stored-records', 'a reset mark next to a damaged identity', [{ key: 'reset-in-progress', framing: 'framed', bytes: b() }, { key: 'identity', framing: 'raw', bytes: b(0x50, 0x4c, 0x46, 0x31) }]);
  add('stored-records', 'bonds and policy that pass the checksum but not their decoders', [{ key: 'bonds', framing: 'framed', bytes: b(0x7b) }, { key: 'policy', framing: 'framed', bytes: b(1, 0xff) }]);
  add('transfer-sender', 'ticks past every retry', [{ kind: 'tick', ms: 5000 }, { kind: 'tick', ms: 5000 }, { kind: 'tick', ms: 5000 }, { kind: 'tick', ms: 5000 }, { kind: 'tick', ms: 5000 }]);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
