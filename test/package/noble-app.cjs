// An app written for noble on real hardware, unchanged: with `node -r plushlink/preload` and
// PLUSHLINK_AIR set, it scans the simulated air instead, and prints the first device it hears.
const noble = require('@abandonware/noble');

noble.on('stateChange', (state) => {
  if (state === 'poweredOn') noble.startScanning([], false);
});
noble.on('discover', (peripheral) => {
  console.log(`heard ${peripheral.advertisement.localName}`);
  process.exit(0);
});
setTimeout(() => {
  console.log('heard nothing');
  process.exit(1);
}, 10000).unref();
