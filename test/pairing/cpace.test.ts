// CPace (CPACE-RISTR255-SHA512) against the published test vectors of draft-irtf-cfrg-cpace-21,
// appendix "Test vector for CPace using group ristretto255 and hash SHA-512" and the string
// utility vectors of "CPace function definitions" (github.com/cfrg/draft-irtf-cfrg-cpace, tag
// draft-irtf-cfrg-cpace-21, draft-irtf-cfrg-cpace.md).
import { utf8 } from '../../pairing/bytes';
import {
  CPACE_DRAFT,
  CPace,
  calculateGenerator,
  generatorString,
  lvCat,
  prependLen,
  scalarMultVfy,
  transcriptIr,
} from '../../pairing/cpace';
import { errorCode, hex, toHex, useSodium } from './helpers';

const sodium = useSodium();

// Inputs of the ristretto255 vector.
const PRS = utf8('Password');
const CI = hex('0b415f696e69746961746f720b425f726573706f6e646572');
const SID = hex('7e4b4791d6a8ef019b936c79fb7f2c57');
const YA_SCALAR = hex('da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08');
const YB_SCALAR = hex('d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d');
const ADA = utf8('ADa');
const ADB = utf8('ADb');

describe(`CPace string utilities (${CPACE_DRAFT})`, () => {
  it('prepend_len uses LEB128 lengths', () => {
    expect(toHex(prependLen(new Uint8Array(0)))).toBe('00');
    expect(toHex(prependLen(utf8('1234')))).toBe('0431323334');
    const r127 = Uint8Array.from({ length: 127 }, (_, i) => i);
    const r128 = Uint8Array.from({ length: 128 }, (_, i) => i);
    expect(toHex(prependLen(r127).subarray(0, 2))).toBe('7f00');
    expect(prependLen(r127).length).toBe(128);
    expect(toHex(prependLen(r128).subarray(0, 3))).toBe('800100');
    expect(prependLen(r128).length).toBe(130);
  });

  it('lv_cat and transcript_ir match the draft', () => {
    expect(toHex(lvCat(utf8('1234'), utf8('5'), new Uint8Array(0), utf8('678')))).toBe('043132333401350003363738');
    expect(toHex(transcriptIr(utf8('123'), utf8('PartyA'), utf8('234'), utf8('PartyB')))).toBe(
      '03313233065061727479410332333406506172747942',
    );
  });
});

describe(`CPACE-RISTR255-SHA512 (${CPACE_DRAFT} test vectors)`, () => {
  it('builds the generator string with 100 bytes of zero padding', () => {
    const gen = generatorString(utf8('CPaceRistretto255'), PRS, CI, SID);
    expect(gen.length).toBe(170);
    expect(toHex(gen)).toBe(
      '11435061636552697374726574746f3235350850617373776f726464' +
        '00'.repeat(100) +
        '180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57',
    );
  });

  it('derives the published generator g', () => {
    expect(toHex(calculateGenerator(sodium(), PRS, CI, SID))).toBe(
      '222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56',
    );
  });

  it('computes Ya, Yb and the initiator-responder ISK on both sides', () => {
    const inputs = { prs: PRS, ci: CI, sid: SID };
    const a = new CPace(sodium(), 'initiator', inputs, ADA, YA_SCALAR.slice());
    const b = new CPace(sodium(), 'responder', inputs, ADB, YB_SCALAR.slice());
    expect(toHex(a.own.share)).toBe('d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157');
    expect(toHex(b.own.share)).toBe('3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258');
    const iskA = a.finish(b.own);
    const iskB = b.finish(a.own);
    const published =
      'b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd' +
      '2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447';
    expect(toHex(iskA)).toBe(published);
    expect(toHex(iskB)).toBe(published);
  });

  it('computes the published shared point K', () => {
    expect(toHex(scalarMultVfy(sodium(), YA_SCALAR, hex('3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258')))).toBe(
      '80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f',
    );
  });

  it('scalar_mult_vfy matches the valid-input case and aborts on the invalid ones', () => {
    const s = hex('7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05');
    const x = hex('2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c');
    expect(toHex(scalarMultVfy(sodium(), s, x))).toBe('7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e');
    const notAPoint = hex('2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c');
    const identity = new Uint8Array(32);
    expect(errorCode(() => scalarMultVfy(sodium(), s, notAPoint))).toBe('INVALID_POINT');
    expect(errorCode(() => scalarMultVfy(sodium(), s, identity))).toBe('INVALID_POINT');
  });

  it('refuses an identity share from the peer and can be finished only once', () => {
    const inputs = { prs: PRS, ci: CI, sid: SID };
    const a = new CPace(sodium(), 'initiator', inputs, ADA);
    expect(errorCode(() => a.finish({ share: new Uint8Array(32), ad: ADB }))).toBe('INVALID_POINT');
    expect(errorCode(() => a.finish({ share: new Uint8Array(32), ad: ADB }))).toBe('CLOSED');
  });

  it('gives different keys for different codes', () => {
    const a = new CPace(sodium(), 'initiator', { prs: utf8('1234567890'), ci: CI, sid: SID }, ADA);
    const b = new CPace(sodium(), 'responder', { prs: utf8('1234567891'), ci: CI, sid: SID }, ADB);
    expect(toHex(a.finish(b.own))).not.toBe(toHex(b.finish(a.own)));
  });
});
