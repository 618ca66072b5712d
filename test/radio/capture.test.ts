// Every controller's HCI traffic can be captured as btsnoop, and tshark (Wireshark's decoder)
// reads those captures with no malformed packet, down to the ATT operations of the session.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Air } from '../../radio/air';
import { BtsnoopWriter } from '../../radio/btsnoop';
import { exerciseGatt } from '../../radio/self-test';

interface Frame {
  readonly malformed: boolean;
  readonly attOpcode: string;
  readonly eventCode: string;
  readonly leSubevent: string;
  readonly status: string;
}

/** Decodes a capture once with tshark, one row per frame. */
function decode(file: string): Frame[] {
  const fields = ['_ws.malformed', '_ws.expert.severity', 'btatt.opcode', 'bthci_evt.code', 'bthci_evt.le_meta_subevent', 'bthci_evt.status'];
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [malformed, severity, attOpcode, eventCode, leSubevent, status] = line.split('\t');
      // Expert severity 8388608 is "error" (PI_ERROR); malformed packets carry it too.
      return { malformed: malformed !== '' || severity === '8388608', attOpcode: attOpcode ?? '', eventCode: eventCode ?? '', leSubevent: leSubevent ?? '', status: status ?? '' };
    });
}

describe('btsnoop captures', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-capture-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decode in tshark without malformed packets, ATT included, on both sides', async () => {
    const air = new Air({ seed: 3, captureDir: dir });
    await exerciseGatt(air);
    air.close();

    const files = readdirSync(dir).filter((f) => f.endsWith('.btsnoop')).sort();
    expect(files).toEqual([expect.stringMatching(/^phone-\d+\.btsnoop$/), expect.stringMatching(/^toy-\d+\.btsnoop$/)]);
    for (const file of files.map((f) => join(dir, f))) {
      const frames = decode(file);
      expect(frames.length).toBeGreaterThan(30);
      expect(frames.filter((f) => f.malformed)).toEqual([]);
      // Read Request 0x0a, Write Command 0x52, Write Request 0x12, Handle Value Notification 0x1b.
      expect(frames.map((f) => f.attOpcode)).toEqual(expect.arrayContaining(['0x0a', '0x52', '0x12', '0x1b']));
      expect(frames.filter((f) => f.leSubevent === '0x01').map((f) => f.status)).toEqual(['0x00']);
      expect(frames.filter((f) => f.eventCode === '0x05')).toHaveLength(1);
    }
  });

  it('would show a malformed packet: the check above can fail', () => {
    const file = join(dir, 'broken.btsnoop');
    const writer = new BtsnoopWriter(file);
    // An ACL packet whose L2CAP header claims 64 bytes of ATT but carries 3.
    writer.write(Buffer.from([0x02, 0x40, 0x20, 0x07, 0x00, 0x40, 0x00, 0x04, 0x00, 0x0a, 0x03, 0x00]), true);
    writer.close();
    expect(decode(file).some((f) => f.malformed)).toBe(true);
  });
});
