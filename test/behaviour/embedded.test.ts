import { resolveConfig } from '../../src/lib/config.js';
import { tempDir } from '../support/fixtures.js';
import { behaviourSuite } from './suite.js';

behaviourSuite({
  name: 'the embedded default (SQLite files)',
  freshConfig: async () => resolveConfig({ dataDir: tempDir('musicflow-embedded-') }, {}),
});
