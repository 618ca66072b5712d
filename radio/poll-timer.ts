// noble and bleno poll isDevUp() every second from a setTimeout they never unref and never
// clear, so a process using them cannot exit by itself. The socket calls this from isDevUp():
// the poll schedules its next timer in the same synchronous turn, and only that timer is unref'd.
// No library code is patched; the timer still fires while anything else keeps the process alive.
import { createHook } from 'node:async_hooks';

let armed = false;

const hook = createHook({
  init(_id, type, _trigger, resource) {
    if (type === 'Timeout' && armed) (resource as NodeJS.Timeout).unref();
  },
});

export function unrefTimersScheduledThisTurn(): void {
  if (armed) return;
  armed = true;
  hook.enable();
  queueMicrotask(() => {
    armed = false;
    hook.disable();
  });
}
