#!/usr/bin/env node
// The `plushlink` command. In a checkout it runs the TypeScript sources through tsx's CommonJS
// loader; an installed package ships no sources, and runs the compiled JavaScript in dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

if (existsSync(join(__dirname, 'main.ts'))) {
  require('tsx/cjs');
  require('./main.ts');
} else {
  require('../dist/cli/main.js');
}
