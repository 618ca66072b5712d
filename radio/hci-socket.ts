// The module that stands in for `@abandonware/bluetooth-hci-socket`: the resolution hook and
// jest's moduleNameMapper both point that request here. It exports the class itself, as the
// native module does, because noble and bleno call `new (require(...))()`.
import { VirtualHciSocket } from './virtual-hci-socket';

export = VirtualHciSocket;
