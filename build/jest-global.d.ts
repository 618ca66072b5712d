// For the published build only (tsconfig.build.json), which has no jest types: the loaders use
// jest's module API when, and only when, they run under jest (radio/resolve-hook.ts underJest()).
declare const jest: { isolateModules(fn: () => void): void };
