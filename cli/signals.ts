// Long-running commands (`toy`, `air`) run until Ctrl-C or a polite kill; they then shut down
// cleanly (close the air, remove their files) instead of dying mid-write.
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
