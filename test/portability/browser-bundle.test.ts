// pairing/ and audio/'s sans-IO parts run without Node's built-ins: esbuild bundles them for the
// browser (where `fs`, `net` and `node:*` modules do not resolve), and the bundle runs a pairing
// code, a QR payload and a sealed voice message's whole transfer in a context that has only what
// a browser or React Native has (WebCrypto, WebAssembly, TextEncoder), no Buffer or process.
import { build } from 'esbuild';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import type { ScenarioResult } from './sans-io-scenario';

it('bundles for the browser and runs with no fs, net, Buffer, process or require', async () => {
  const bundled = await build({
    entryPoints: [join(__dirname, 'sans-io-scenario.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'plushlinkScenario',
    write: false,
    logLevel: 'silent',
  });
  const code = bundled.outputFiles[0]!.text;
  expect(code).not.toMatch(/\bBuffer\.|require\(["'](node:)?(fs|net|crypto|path)["']\)/);

  const { WebAssembly } = globalThis as unknown as { WebAssembly: unknown };
  const context = createContext({ crypto: globalThis.crypto, WebAssembly, TextEncoder, TextDecoder, setTimeout, clearTimeout, console });
  runInContext('globalThis.self = globalThis;', context);
  runInContext(code, context);
  expect(runInContext('typeof Buffer + typeof process + typeof require', context)).toBe('undefinedundefinedundefined');
  const result = (await runInContext('plushlinkScenario.runScenario()', context)) as ScenarioResult;
  expect(result).toEqual({ codeRoundTrips: true, qrRoundTrips: true, transferMessages: expect.any(Number), audioIntact: true });
  expect(result.transferMessages).toBeGreaterThan(100);
});
