// Test shim: lets a worker thread run src/worker/worker.ts from source through tsx.
require('tsx/cjs');
require('../../../src/worker/worker.ts');
