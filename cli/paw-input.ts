// The paw button of a toy running in this terminal: `p` + Enter (long press `P`) from the
// keyboard, or SIGUSR1 / SIGUSR2 sent by `plushlink paw --dir DIR` from anywhere else.
import { createInterface } from 'node:readline';
import type { Output } from './command';

/** Listens for paw presses; returns a function that stops listening. */
export function listenForPaw(out: Output, pawPress: (long: boolean) => Promise<void>): () => void {
  const press = (long: boolean): void => {
    out.print(`toy: paw ${long ? 'long press' : 'pressed'}`);
    void pawPress(long).catch((error: Error) => out.print(`toy: paw press failed: ${error.message}`));
  };
  const short = (): void => press(false);
  const long = (): void => press(true);
  process.on('SIGUSR1', short);
  process.on('SIGUSR2', long);
  const keys = createInterface({ input: process.stdin });
  keys.on('line', (line) => {
    const key = line.trim();
    if (key === 'p') press(false);
    else if (key === 'P') press(true);
    else if (key !== '') out.print('toy: keys are p (paw), P (long paw press); Ctrl-C switches the toy off');
  });
  return () => {
    process.removeListener('SIGUSR1', short);
    process.removeListener('SIGUSR2', long);
    keys.close();
  };
}
