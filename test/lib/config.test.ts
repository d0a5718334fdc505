import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULTS, dataDirAsGiven, resolveConfig, saslIdentityOf } from '../../src/lib/config.js';
import { InputFileError, UsageError } from '../../src/lib/errors.js';
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

describe('the data dir as a config file keeps it', () => {
  it('is the flag, else MUSICFLOW_HOME, else the default, left relative', () => {
    assert.equal(dataDirAsGiven({ dataDir: './state' }, { MUSICFLOW_HOME: './home' }), './state');
    assert.equal(dataDirAsGiven({}, { MUSICFLOW_HOME: './home' }), './home');
    assert.equal(dataDirAsGiven({}, {}), DEFAULTS.dataDir);
  });
});

describe('Kafka SASL and TLS settings', () => {
  it('takes the SASL mechanism and user from the file or env, the password from env only', () => {
    const file = join(tempDir(), 'sasl.json');
    writeFileSync(file, JSON.stringify({ kafkaSasl: { mechanism: 'scram-sha-512', username: 'from-file' } }));
    const password = { MUSICFLOW_KAFKA_SASL_PASSWORD: 'pw' };
    assert.deepEqual(resolveConfig({ config: file }, password).kafkaSasl, { mechanism: 'scram-sha-512', username: 'from-file', password: 'pw' });
    assert.deepEqual(resolveConfig({ config: file }, { ...password, MUSICFLOW_KAFKA_SASL_USERNAME: 'from-env' }).kafkaSasl,
      { mechanism: 'scram-sha-512', username: 'from-env', password: 'pw' });
    assert.deepEqual(resolveConfig({}, { ...password, MUSICFLOW_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', MUSICFLOW_KAFKA_SASL_USERNAME: 'u' }).kafkaSasl,
      { mechanism: 'scram-sha-256', username: 'u', password: 'pw' });
    assert.equal(resolveConfig({}, password).kafkaSasl, null, 'a password alone turns nothing on');
  });

  it('names the env var that is missing or wrong', () => {
    assert.throws(() => resolveConfig({}, { MUSICFLOW_KAFKA_SASL_MECHANISM: 'plain', MUSICFLOW_KAFKA_SASL_USERNAME: 'u' }),
      (e: Error) => e instanceof UsageError && /needs a password: set MUSICFLOW_KAFKA_SASL_PASSWORD/.test(e.message));
    assert.throws(() => resolveConfig({}, { MUSICFLOW_KAFKA_SASL_MECHANISM: 'plain', MUSICFLOW_KAFKA_SASL_PASSWORD: 'pw' }), /MUSICFLOW_KAFKA_SASL_USERNAME/);
    assert.throws(() => resolveConfig({}, { MUSICFLOW_KAFKA_SASL_MECHANISM: 'gssapi', MUSICFLOW_KAFKA_SASL_USERNAME: 'u', MUSICFLOW_KAFKA_SASL_PASSWORD: 'pw' }),
      /"gssapi": set MUSICFLOW_KAFKA_SASL_MECHANISM to plain, scram-sha-256 or scram-sha-512/);
  });

  it('one check of the mechanism and user serves env and init\'s flags, each message naming where to set it', () => {
    const flags = { mechanism: '--kafka-sasl-mechanism', username: '--kafka-sasl-username' };
    assert.deepEqual(saslIdentityOf('PLAIN', 'app', 'init', flags), { mechanism: 'plain', username: 'app' });
    assert.throws(() => saslIdentityOf('gssapi', 'app', 'init', flags), /init: SASL mechanism "gssapi": set --kafka-sasl-mechanism to plain/);
    assert.throws(() => saslIdentityOf('plain', undefined, 'init', flags), /init: SASL plain needs a user: set --kafka-sasl-username/);
  });

  it('a CA file implies TLS; a missing or non-PEM one is refused, naming where it was set', () => {
    const dir = tempDir();
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const c = resolveConfig({}, { MUSICFLOW_KAFKA_CA: ca });
    assert.equal(c.kafkaCa, ca);
    assert.equal(c.kafkaTls, true);
    assert.equal(resolveConfig({}, {}).kafkaTls, false);
    assert.throws(() => resolveConfig({}, { MUSICFLOW_KAFKA_CA: join(dir, 'nope.pem') }),
      (e: Error) => e instanceof InputFileError && /nope\.pem: cannot read the Kafka CA certificate named by env MUSICFLOW_KAFKA_CA \(ENOENT\)/.test(e.message));
    const file = join(dir, 'musicflow.json');
    writeFileSync(file, JSON.stringify({ kafkaCa: file }));
    assert.throws(() => resolveConfig({ config: file }, {}), new RegExp(`not a PEM certificate.*--config ${file} \\("kafkaCa"\\)`));
  });
});
