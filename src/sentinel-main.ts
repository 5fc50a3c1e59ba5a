#!/usr/bin/env node
/**
 * `resplica-sentinel` is `resplica-server --sentinel`, as redis-sentinel is
 * redis-server in sentinel mode.
 */
process.argv.push('--sentinel');
await import('./main.js');
