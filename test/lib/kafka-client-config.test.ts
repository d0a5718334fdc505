// Choosing the Kafka client library: --kafka-client > env MUSICFLOW_KAFKA_CLIENT > config file > kafkajs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/lib/config.js';
import { UsageError } from '../../src/lib/errors.js';
import { tempDir } from '../support/fixtures.js';

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

describe('the Kafka client setting', () => {
  it('is kafkajs unless the file, env or a flag names another, the flag winning', () => {
    const file = join(tempDir(), 'musicflow.json');
    writeFileSync(file, JSON.stringify({ kafkaClient: 'platformatic' }));
    assert.equal(resolveConfig({}, {}).kafkaClient, 'kafkajs');
    assert.equal(resolveConfig({ config: file }, {}).kafkaClient, 'platformatic');
    assert.equal(resolveConfig({ config: file }, { MUSICFLOW_KAFKA_CLIENT: 'kafkajs' }).kafkaClient, 'kafkajs');
    assert.equal(resolveConfig({ kafkaClient: 'Platformatic' }, { MUSICFLOW_KAFKA_CLIENT: 'kafkajs' }).kafkaClient, 'platformatic');
  });

  it('refuses an unknown client with a usage error naming where it came from and the ones there are', () => {
    assert.throws(() => resolveConfig({}, { MUSICFLOW_KAFKA_CLIENT: 'librdkafka' }),
      (e: Error) => e instanceof UsageError && /^env: Kafka client "librdkafka": use kafkajs or platformatic/.test(e.message));
    const run = spawnSync(process.execPath, [cli, 'status', '--kafka-client', 'nope'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /flags: Kafka client "nope": use kafkajs or platformatic \(--kafka-client/);
  });
});
