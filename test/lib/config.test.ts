import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/lib/config.js';
import { UsageError } from '../../src/lib/errors.js';
import { tempDir } from '../support/fixtures.js';

describe('configuration precedence: flags > env > config file > defaults', () => {
  const file = join(tempDir(), 'musicflow.json');
  writeFileSync(file, JSON.stringify({ topic: 'from-file', group: 'file-group', redisUrl: 'redis://file:1' }));

  it('uses defaults when nothing is given', () => {
    const c = resolveConfig({}, {});
    assert.equal(c.topic, 'musicflow.plays');
    assert.deepEqual(c.kafkaBrokers, []);
    assert.ok(c.dataDir.endsWith('.musicflow'));
  });

  it('lets the file override defaults, env the file, and flags the env', () => {
    const env = { MUSICFLOW_TOPIC: 'from-env', MUSICFLOW_REDIS_URL: 'redis://env:2' };
    const c = resolveConfig({ config: file, topic: 'from-flag' }, env);
    assert.equal(c.topic, 'from-flag');
    assert.equal(c.redisUrl, 'redis://env:2');
    assert.equal(c.group, 'file-group');
    assert.equal(c.configFile, file);
  });

  it('reads the brokers list and the data dir from env', () => {
    const c = resolveConfig({}, { MUSICFLOW_KAFKA_BROKERS: 'a:1, b:2', MUSICFLOW_HOME: '/tmp/mf-home' });
    assert.deepEqual(c.kafkaBrokers, ['a:1', 'b:2']);
    assert.equal(c.dataDir, '/tmp/mf-home');
  });

  it('rejects bad values with a usage error naming where they came from', () => {
    assert.throws(() => resolveConfig({ kafka: 'nohost' }, {}), (e: Error) => e instanceof UsageError && /flags.*host:port/.test(e.message));
    assert.throws(() => resolveConfig({}, { MUSICFLOW_PARTITIONS: '0' }), /env: expected a whole number/);
    assert.throws(() => resolveConfig({ config: '/nonexistent.json' }, {}), /no such file/);
  });

  it('refuses unknown keys and secrets in the config file', () => {
    const bad = join(tempDir(), 'bad.json');
    writeFileSync(bad, JSON.stringify({ topik: 'x' }));
    assert.throws(() => resolveConfig({ config: bad }, {}), /unknown key "topik"/);
    writeFileSync(bad, JSON.stringify({ kafkaSasl: { password: 'x' } }));
    assert.throws(() => resolveConfig({ config: bad }, {}), /secrets belong in env/);
  });
});
