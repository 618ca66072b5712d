// The air capture is a real link-layer pcap (LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR): tshark decodes
// advertising (ADV_IND, SCAN_REQ, SCAN_RSP, CONNECT_IND), LL control and L2CAP/ATT from it with
// no malformed packet, and finds the CRCs right when it computes them itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Air } from '../../radio/air';
import { exerciseGatt } from '../../radio/self-test';

const FIELDS = ['_ws.malformed', '_ws.expert.severity', 'btle.advertising_header.pdu_type', 'btle.control_opcode', 'btatt.opcode', 'btle.crc.incorrect', 'btle.crc.indeterminate', 'btle.access_address'] as const;
type Row = Record<(typeof FIELDS)[number], string>;

function decode(file: string): Row[] {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => Object.fromEntries(FIELDS.map((f, i) => [f, line.split('\t')[i] ?? ''])) as Row);
}

/** A copy of a capture whose records say the CRC was not checked, so tshark computes it; `corrupt` flips one CRC bit. */
function uncheckedCopy(file: string, to: string, corrupt = false): void {
  const data = Buffer.from(readFileSync(file));
  for (let offset = 24, n = 0; offset < data.length; n++) {
    const length = data.readUInt32LE(offset + 8);
    const record = offset + 16;
    data.writeUInt16LE(data.readUInt16LE(record + 8) & ~0x0c00, record + 8);
    if (corrupt && n === 0) data[record + length - 1]! ^= 0x01;
    offset = record + length;
  }
  writeFileSync(to, data);
}

describe('the air sniffer', () => {
  let dir: string;
  let capture: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-air-'));
    capture = join(dir, 'air.pcap');
    const air = new Air({ seed: 12, clock: 'realistic', link: { phy: '2M', intervalMs: 15 }, snifferPath: capture });
    await exerciseGatt(air);
    air.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes in tshark with no malformed packet or error, advertising, LL control and ATT included', () => {
    const rows = decode(capture);
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.filter((r) => r['_ws.malformed'] !== '' || r['_ws.expert.severity'] === '8388608')).toEqual([]);
    const pduTypes = new Set(rows.map((r) => r['btle.advertising_header.pdu_type']));
    for (const type of ['0x00', '0x03', '0x04', '0x05']) expect(pduTypes).toContain(type); // ADV_IND, SCAN_REQ, SCAN_RSP, CONNECT_IND
    const control = rows.map((r) => r['btle.control_opcode']).filter((c) => c !== '');
    expect(control).toEqual(['0x16', '0x17', '0x18', '0x02']); // LL_PHY_REQ, LL_PHY_RSP, LL_PHY_UPDATE_IND, LL_TERMINATE_IND
    expect(rows.map((r) => r['btatt.opcode'])).toEqual(expect.arrayContaining(['0x0a', '0x52', '0x12', '0x1b']));
    // Every data packet carries its connection's access address, not the advertising one.
    expect(new Set(rows.map((r) => r['btle.access_address'])).size).toBe(2);
  });

  it('writes CRCs tshark verifies, and would show a wrong one', () => {
    const clean = join(dir, 'unchecked.pcap');
    const broken = join(dir, 'broken.pcap');
    uncheckedCopy(capture, clean);
    uncheckedCopy(capture, broken, true);
    const rows = decode(clean);
    const advertising = rows.filter((r) => r['btle.access_address'] === '0x8e89bed6');
    expect(advertising.length).toBeGreaterThan(5);
    expect(advertising.filter((r) => r['btle.crc.indeterminate'] !== '')).toEqual([]);
    expect(rows.filter((r) => r['btle.crc.incorrect'] !== '')).toEqual([]);
    expect(decode(broken).filter((r) => r['btle.crc.incorrect'] !== '')).toHaveLength(1);
  });
});
