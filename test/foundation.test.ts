// The toolchain itself: TypeScript tests run under jest, and fast-check is available.
import fc from 'fast-check';

describe('the foundation', () => {
  it('runs TypeScript tests with fast-check properties', () => {
    fc.assert(fc.property(fc.uint8Array(), (bytes) => Buffer.from(bytes).equals(Buffer.from(Array.from(bytes)))));
  });
});
