// The stored-records target: arbitrary bytes as every kind of record the toy keeps (identity,
// bonds, policy, settings, replay guard, partial upload, upload outcome, reset mark, messages,
// recordings, played receipts), either as the raw file (a damaged record: no header, wrong length or checksum) or
// wrapped in a valid header (bytes that pass the flash's check and must then survive the
// decoders). A toy boots on that flash and answers every request that reads it. Invariants: boot
// never throws, the firmware never faults, every answer encodes into a session message a phone
// decodes, and every record the input did not touch is still served as it was.
import fc from 'fast-check';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnvelopeHeader } from '../../../audio/envelope';
import { sealReceipt } from '../../../audio/receipt';
import { Flash } from '../../../firmware-sim/flash';
import { ToyFirmware } from '../../../firmware-sim/firmware';
import { RESET_MARK, ToyStorage } from '../../../firmware-sim/toy-storage';
import { RequestRefused } from '../../../firmware-sim/toy-link';
import { toHex } from '../../../pairing/bytes';
import { INITIAL_POLICY } from '../../../pairing/policy';
import { decodeSessionMessage, encodeSessionMessage, type Request } from '../../../pairing/session-messages';
import type { FuzzContext } from '../context';
import { hostileBytes } from '../mutate';
import { defineTarget, type FuzzTarget, invariant } from '../target';

/** One stored record as the input sets it. */
export interface StoredRecord {
  readonly key: string;
  /** 'raw': the file's bytes as they are; 'framed': a valid header around them. */
  readonly framing: 'raw' | 'framed';
  readonly bytes: Uint8Array;
}

interface Baseline {
  readonly dir: string;
  readonly voiceKeys: readonly string[];
  readonly seeds: readonly Uint8Array[];
  readonly owner: ToyStorage['bonds'] extends { list(): readonly (infer B)[] } ? B : never;
}

let baseline: Baseline | undefined;

/** Memory when the machine has it: every boot flushes records, and disk flushes would be most of the time. */
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/** A toy's flash with one of everything, made once per process and copied for every input. */
function buildBaseline(ctx: FuzzContext): Baseline {
  if (baseline) return baseline;
  const dir = mkdtempSync(join(SCRATCH, 'plushlink-stored-fuzz-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const storage = new ToyStorage(Flash.mount(dir));
  const g = ctx.pairing;
  const a = ctx.audio;
  storage.saveIdentity(g.identity);
  storage.bonds.put(g.ownerBond);
  storage.savePolicy({ ...INITIAL_POLICY, strikes: 2, lockouts: 1, lockedUntil: 1_800_000_000_000 });
  storage.saveSettings({ volume: 40 });
  storage.saveReplayGuard(JSON.parse(a.replayGuards[0] ?? '{}') as Parameters<ToyStorage['saveReplayGuard']>[0]);
  const id = readEnvelopeHeader(a.envelope).id;
  storage.putVoice('messages', id, a.envelope);
  storage.putVoice('recordings', id, a.envelope);
  storage.saveUploadOutcome({ hash: a.envelopeHash, result: { stored: id } });
  storage.putReceipt(id, sealReceipt(ctx.sodium, { message: id, playedAt: 1_800_000_000_000, toy: g.identity.keys, sender: g.ownerBond.peer }));
  if (a.snapshots[0]) storage.flash.write('upload', a.snapshots[0]);
  const seeds = storage.flash.keys().map((key) => storage.flash.read(key)!);
  baseline = { dir, voiceKeys: [`messages/${toHex(id)}`, `recordings/${toHex(id)}`], seeds: [...seeds, new Uint8Array(64)], owner: g.ownerBond };
  return baseline;
}

const KEYS = ['identity', 'bonds', 'policy', 'settings', 'replay-guard', 'upload', 'upload-outcome', RESET_MARK, 'messages/', 'recordings/', 'receipts/'] as const;

const READS: readonly Request[] = [
  { command: 'status' },
  { command: 'list-recordings' },
  { command: 'list-members' },
  { command: 'set-volume', level: 55 },
  { command: 'take-receipts', taken: [] },
];

export function storedRecordTargets(ctx: FuzzContext): FuzzTarget[] {
  const base = buildBaseline(ctx);
  const voiceId = base.voiceKeys[0]!.split('/')[1]!;
  const key = fc.constantFrom(...KEYS).chain((k) =>
    k.endsWith('/') ? fc.constantFrom(voiceId, 'ab'.repeat(16), '00').map((id) => `${k}${id}`) : fc.constant<string>(k),
  );
  const record = fc.record({ key, framing: fc.constantFrom('raw' as const, 'framed' as const), bytes: hostileBytes(base.seeds, 400) });
  return [
    defineTarget({
      name: 'stored-records',
      description: 'arbitrary bytes as every kind of stored record (raw or with a valid header); boot and every reading request keep serving',
      arbitrary: fc.array(record, { minLength: 1, maxLength: 3 }),
      async: true,
      ciRuns: 120,
      isExpected: () => false,
      async run(records: StoredRecord[]) {
        const dir = mkdtempSync(join(SCRATCH, 'plushlink-stored-'));
        try {
          cpSync(base.dir, dir, { recursive: true });
          plant(dir, records);
          const firmware = await ToyFirmware.boot({ dir });
          const faults: Error[] = [];
          firmware.on('fault', (error) => faults.push(error));
          try {
            serveReads(firmware, base);
            // Everything the input left alone is still there, byte for byte.
            const touched = new Set(records.map((r) => r.key));
            const reset = touched.has(RESET_MARK) && firmware.storage.resumedReset;
            for (const voiceKey of base.voiceKeys) {
              if (touched.has(voiceKey) || reset) continue;
              const [kind, hex] = voiceKey.split('/') as ['messages' | 'recordings', string];
              invariant(firmware.storage.getVoice(kind, Buffer.from(hex, 'hex')) !== undefined, `${voiceKey} was not touched but is gone`);
            }
            invariant(faults.length === 0, `the firmware faulted: ${faults[0]?.message}`);
          } finally {
            firmware.powerOff();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    }),
  ];
}

function plant(dir: string, records: readonly StoredRecord[]): void {
  for (const r of records) {
    if (r.framing === 'framed') {
      Flash.mount(dir).write(r.key, r.bytes);
    } else {
      const path = join(dir, ...r.key.split('/'));
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, r.bytes);
    }
  }
}

/** Every request that reads stored records, answered as the phone would receive it. */
function serveReads(firmware: ToyFirmware, base: Baseline): void {
  const port = { attPayload: 244, notify: () => undefined, disconnect: () => undefined };
  const ids = firmware.storage.listVoice('recordings').map((r) => r.id);
  const fetches: Request[] = [...ids, Buffer.from(base.voiceKeys[1]!.split('/')[1]!, 'hex')].map((id) => ({ command: 'fetch-recording', id }));
  for (const request of [...READS, ...fetches]) {
    const link = firmware.attach(port);
    try {
      const result = firmware.handleRequest(link, base.owner, request);
      const decoded = decodeSessionMessage(encodeSessionMessage({ kind: 'response', id: 1, result }));
      invariant(decoded.kind === 'response' && decoded.result.command === request.command, `${request.command}: the answer does not decode`);
    } catch (error) {
      invariant(error instanceof RequestRefused && error.reason === 'NOT_FOUND', `${request.command} threw ${String(error)}`);
    } finally {
      link.closed();
    }
  }
  firmware.storage.loadReplayGuard();
  firmware.storage.loadUploadOutcome();
}
