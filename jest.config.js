// jest runs TypeScript through swc (fast, no type-check); `npm run typecheck` checks types.
// The Bluetooth HCI socket is mapped to the virtual one because jest's module registry
// bypasses the Node resolution hook the radio's loaders install.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // cookie 2 (through fastify's light-my-request, used by fastify.inject) ships ESM only.
  transformIgnorePatterns: ['/node_modules/(?!(opus-decoder|@wasm-audio-decoders|cookie)/)'],
  moduleNameMapper: {
    '^@abandonware/bluetooth-hci-socket$': '<rootDir>/radio/hci-socket.ts',
  },
  testTimeout: 30000,
};
