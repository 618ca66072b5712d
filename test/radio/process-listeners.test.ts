// One process, many devices, no warnings: noble and bleno each hook SIGINT and exit when they
// bind; the loaders adopt those hooks, so twelve toys and twelve phones in one plain Node process
// add one shared exit listener and no SIGINT listener (Ctrl-C stays the app's), and Node prints
// no MaxListenersExceededWarning.
import { spawnSync } from 'node:child_process';
import { ROOT } from '../cli/run';

it('twelve blenos and twelve nobles in one process: no MaxListenersExceededWarning, one exit listener, SIGINT left to the app', () => {
  const script = `
    const { Air } = require('./radio/air');
    const { loadBleno, loadNoble } = require('./radio/loaders');
    const air = new Air();
    const before = { sigint: process.listenerCount('SIGINT'), exit: process.listenerCount('exit') };
    const phones = [];
    for (let i = 0; i < 12; i++) {
      loadBleno({ kind: 'virtual', air }, { name: 'toy ' + i });
      phones.push(loadNoble({ kind: 'virtual', air }, { name: 'phone ' + i }));
    }
    const after = { sigint: process.listenerCount('SIGINT'), exit: process.listenerCount('exit') };
    for (const phone of phones) phone.release();
    air.close();
    console.log(JSON.stringify({ before, after }));`;
  const result = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(result.stderr).not.toMatch(/MaxListenersExceededWarning/);
  const { before, after } = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<'before' | 'after', { sigint: number; exit: number }>;
  expect(after.sigint).toBe(before.sigint);
  expect(after.exit).toBe(before.exit + 1);
  expect(result.status).toBe(0);
});
