// `node -r plushlink/radio/preload` (after a TypeScript loader such as `-r tsx/cjs` while running
// from source): an unmodified noble or bleno app in this process joins the air that
// PLUSHLINK_AIR names (`tcp:127.0.0.1:PORT`, served by `serveH4OverTcp`), with no code change.
import { installVirtualHciResolution } from './resolve-hook';

installVirtualHciResolution();
