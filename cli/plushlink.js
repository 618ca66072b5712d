#!/usr/bin/env node
// The `plushlink` command: runs the TypeScript sources through tsx's CommonJS loader.
require('tsx/cjs');
require('./main.ts');
