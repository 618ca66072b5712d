// What a phone app on a non-Node platform (a browser, React Native) runs of plushlink's protocol:
// a pairing code and QR payload, and a sealed voice message carried by the resumable transfer
// state machines and opened by its recipient. Only pairing/ and audio/'s sans-IO parts are used;
// the bundle test runs this with no `fs`, `net`, `Buffer`, `process` or `require`.
import { openEnvelope, sealEnvelope } from '../../audio/envelope';
import { TransferReceiver } from '../../audio/transfer-receiver';
import { TransferSender } from '../../audio/transfer-sender';
import { formatPairingCode, generatePairingCode, parsePairingCode } from '../../pairing/code';
import { generatePartyKeys, keyFingerprint, publicKeys } from '../../pairing/identity';
import { encodeQrPayload, parseQrPayload } from '../../pairing/qr';
import { sodiumReady } from '../../pairing/sodium';

export interface ScenarioResult {
  readonly codeRoundTrips: boolean;
  readonly qrRoundTrips: boolean;
  readonly transferMessages: number;
  readonly audioIntact: boolean;
}

export async function runScenario(): Promise<ScenarioResult> {
  const sodium = await sodiumReady();
  const toy = generatePartyKeys(sodium);
  const phone = generatePartyKeys(sodium);

  const code = generatePairingCode(sodium);
  const codeRoundTrips = formatPairingCode(parsePairingCode(formatPairingCode(code))) === formatPairingCode(code);
  const qr = encodeQrPayload({ toyId: '0011223344556677', code, fingerprint: keyFingerprint(sodium, publicKeys(toy)) });
  const qrRoundTrips = encodeQrPayload(parseQrPayload(qr)) === qr;

  const audio = sodium.randombytes_buf(20_000);
  const envelope = sealEnvelope(sodium, { audio, sender: phone, recipients: [publicKeys(toy)], time: 1_750_000_000_000 });
  const sender = new TransferSender(sodium, envelope, { chunkSize: 200, window: 8 });
  const receiver = new TransferReceiver(sodium, {});
  let toReceiver = [...sender.connect(0).messages];
  let transferMessages = 0;
  let received: Uint8Array | undefined;
  while (!received && toReceiver.length > 0 && transferMessages < 10_000) {
    const toSender: Uint8Array[] = [];
    for (const message of toReceiver) {
      transferMessages++;
      const out = receiver.receive(message);
      toSender.push(...out.messages);
      for (const event of out.events) if (event.type === 'complete') received = event.envelope;
    }
    toReceiver = toSender.flatMap((message) => sender.receive(message, 0).messages);
  }
  const opened = received ? openEnvelope(sodium, received, toy, { senders: [publicKeys(phone)] }) : undefined;
  const audioIntact = opened !== undefined && opened.audio.length === audio.length && opened.audio.every((b, i) => b === audio[i]);
  return { codeRoundTrips, qrRoundTrips, transferMessages, audioIntact };
}
