import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import inquirer from 'inquirer';
import { example, output, run, withGlobals } from '../lib/cli/kit.js';
import {
  SASL_MECHANISMS, SASL_PASSWORD_ENV, checkedCaFile, dataDirAsGiven, elasticsearchOf, elasticsearchSettingsOf, resolveConfig, saslIdentityOf,
  type Config, type GlobalFlags, type SaslMechanism,
} from '../lib/config.js';
import { MusicflowError, UsageError } from '../lib/errors.js';
import type { Health } from '../lib/ports.js';
import { openBackends } from '../lib/wiring/backends.js';
import { configFileOf, healthOf, withoutPassword, writeConfigFile, type SaslChoice, type SetupChoice } from '../lib/app/setup.js';

const DEFAULT_FILE = 'musicflow.json';

interface InitOptions extends GlobalFlags {
  servers?: boolean;
  embedded?: boolean;
  redisPrefix?: string;
  kafkaTls?: boolean;
  kafkaCa?: string;
  kafkaSaslMechanism?: string;
  kafkaSaslUsername?: string;
  elasticsearchCa?: string;
  kibana?: string;
  yes?: boolean;
  force?: boolean;
  check: boolean;
  json?: boolean;
}

async function ask<T>(question: Record<string, unknown>): Promise<T> {
  const answers = await inquirer.prompt([{ ...question, name: 'value' }] as never) as { value: T };
  return answers.value;
}

/** Where to start from: flags, then env, then defaults (not the file being written). */
function startingConfig(opts: InitOptions): Config {
  const env = { ...process.env };
  delete env.MUSICFLOW_CONFIG;
  return resolveConfig({ ...opts, config: undefined }, env);
}

/** SASL from the flags, else env: a mechanism needs a user (the password stays in env). */
function saslFrom(opts: InitOptions, base: Config): SaslChoice {
  const mechanism = opts.kafkaSaslMechanism ?? base.kafkaSasl?.mechanism;
  if (mechanism === undefined) return null;
  return saslIdentityOf(mechanism, opts.kafkaSaslUsername ?? base.kafkaSasl?.username, 'init',
    { mechanism: '--kafka-sasl-mechanism', username: '--kafka-sasl-username' });
}

function choiceFrom(opts: InitOptions, base: Config): SetupChoice {
  const kafkaCa = opts.kafkaCa !== undefined ? checkedCaFile(opts.kafkaCa, '--kafka-ca') : base.kafkaCa;
  const servers = opts.servers || (!opts.embedded && (base.kafkaBrokers.length > 0 || base.redisUrl !== ''));
  return {
    mode: servers ? 'servers' : 'embedded',
    dataDir: dataDirAsGiven(opts),
    kafkaBrokers: base.kafkaBrokers,
    kafkaClient: base.kafkaClient,
    redisUrl: base.redisUrl,
    topic: base.topic,
    partitions: base.partitions,
    group: base.group,
    redisPrefix: opts.redisPrefix ?? base.redisPrefix,
    kafkaTls: opts.kafkaTls ?? (base.kafkaTls || kafkaCa !== ''),
    kafkaSasl: saslFrom(opts, base),
    kafkaCa,
    elasticsearch: {
      ...elasticsearchSettingsOf(base.elasticsearch),
      ...(opts.elasticsearchCa !== undefined ? { elasticsearchCa: checkedCaFile(opts.elasticsearchCa, '--elasticsearch-ca', 'Elasticsearch') } : {}),
    },
    kibana: opts.kibana ?? base.kibana,
  };
}

async function askChoice(start: SetupChoice): Promise<SetupChoice> {
  const mode = await ask<SetupChoice['mode']>({
    type: 'select', message: 'Where should musicflow keep its event log and state?', default: start.mode,
    choices: [
      { name: 'Embedded: files in a folder on this machine (nothing to install)', value: 'embedded' },
      { name: 'Servers: Kafka for the event log, Redis for the store (scales out over workers)', value: 'servers' },
    ],
  });
  const choice: SetupChoice = { ...start, mode };
  choice.dataDir = await ask<string>({ type: 'input', message: 'Folder for local state', default: start.dataDir });
  if (mode === 'embedded') return choice;
  const brokers = await ask<string>({
    type: 'input', message: 'Kafka brokers (host:port, comma separated)', default: start.kafkaBrokers.join(',') || '127.0.0.1:9092',
    validate: (v: string) => v.split(',').every((b) => /^[^:\s]+:\d+$/.test(b.trim())) || 'use host:port, e.g. 127.0.0.1:9092',
  });
  choice.kafkaBrokers = brokers.split(',').map((b) => b.trim()).filter(Boolean);
  choice.redisUrl = await ask<string>({
    type: 'input', message: 'Redis URL (a password in it stays out of the file)', default: start.redisUrl || 'redis://127.0.0.1:6379',
    validate: (v: string) => /^rediss?:\/\//.test(v) || 'use redis://host:port (or rediss:// for TLS)',
  });
  choice.topic = await ask<string>({ type: 'input', message: 'Kafka topic for plays', default: start.topic });
  choice.partitions = await ask<number>({ type: 'number', message: 'Partitions (the most workers that can share the stream)', default: start.partitions, min: 1 });
  choice.group = await ask<string>({ type: 'input', message: 'Consumer group of the stream workers', default: start.group });
  choice.redisPrefix = await ask<string>({ type: 'input', message: 'Redis key prefix', default: start.redisPrefix });
  const mechanism = await ask<SaslMechanism | 'none'>({
    type: 'select', message: 'Kafka authentication (SASL)', default: start.kafkaSasl?.mechanism ?? 'none',
    choices: [{ name: 'none', value: 'none' }, ...SASL_MECHANISMS.map((m) => ({ name: m, value: m }))],
  });
  choice.kafkaSasl = mechanism === 'none' ? null : {
    mechanism,
    username: await ask<string>({
      type: 'input', message: `Kafka user (the password comes from env ${SASL_PASSWORD_ENV}, never the file)`,
      default: start.kafkaSasl?.username, validate: (v: string) => v.trim() !== '' || 'name the user',
    }),
  };
  choice.kafkaTls = await ask<boolean>({ type: 'confirm', message: 'Connect to Kafka over TLS?', default: start.kafkaTls });
  const ca = !choice.kafkaTls ? '' : await ask<string>({
    type: 'input', message: 'PEM file of the CA that signed the brokers\' certificates (empty: the system\'s CAs)', default: start.kafkaCa,
    validate: (v: string) => {
      try {
        checkedCaFile(v.trim(), 'this answer');
        return true;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  choice.kafkaCa = checkedCaFile(ca.trim(), 'this answer'); // absolute: the file works from any folder
  const es = start.elasticsearch;
  const esUrl = await ask<string>({
    type: 'input', message: 'Elasticsearch URL for the index (empty: keep the index in Redis; credentials come from env MUSICFLOW_ELASTICSEARCH_*)',
    default: es.elasticsearch,
    validate: (v: string) => v.trim() === '' || v.split(',').every((u) => /^https?:\/\/[^\s/@]+/.test(u.trim())) || 'use http(s)://host:9200, without credentials',
  });
  choice.elasticsearch = { ...es, elasticsearch: esUrl.trim() };
  if (esUrl.trim().startsWith('https:')) {
    const esCa = await ask<string>({ type: 'input', message: 'PEM file of the CA that signed the Elasticsearch certificates (empty: the system\'s CAs)', default: es.elasticsearchCa });
    choice.elasticsearch.elasticsearchCa = checkedCaFile(esCa.trim(), 'this answer', 'Elasticsearch');
  }
  choice.kibana = (await ask<string>({
    type: 'input', message: 'Kibana URL for `musicflow kibana import` (empty: none)', default: start.kibana,
    validate: (v: string) => v.trim() === '' || /^https?:\/\/[^\s/@]+/.test(v.trim()) || 'use http(s)://host:5601, without credentials',
  })).trim();
  return choice;
}

function configToCheck(choice: SetupChoice, base: Config): Config {
  const servers = choice.mode === 'servers';
  return {
    ...base,
    ...choice,
    kafkaSasl: choice.kafkaSasl && { ...choice.kafkaSasl, password: process.env[SASL_PASSWORD_ENV] ?? '' },
    kafkaTls: choice.kafkaTls || choice.kafkaCa !== '',
    dataDir: resolve(choice.dataDir),
    kafkaBrokers: servers ? choice.kafkaBrokers : [],
    redisUrl: servers ? choice.redisUrl : '',
    elasticsearch: servers ? elasticsearchOf(choice.elasticsearch, {}, process.env) : null,
    configFile: null,
  };
}

const healthLine = (h: Health) => `${h.ok ? 'up  ' : 'DOWN'} ${h.backend}: ${h.detail}`;

export function register(program: Command): void {
  const cmd = program.command('init')
    .description('choose embedded files or Kafka + Redis, test the connections and write the config file (asks, or takes flags)')
    .option('--servers', 'use Kafka and Redis (name them with --kafka and --redis)')
    .option('--embedded', 'use the embedded files: nothing to install')
    .option('--partitions <n>', 'partitions of a topic musicflow creates (env MUSICFLOW_PARTITIONS)')
    .option('--group <name>', 'consumer group of the stream workers (env MUSICFLOW_GROUP)')
    .option('--redis-prefix <prefix>', 'prefix of every Redis key (env MUSICFLOW_REDIS_PREFIX)')
    .option('--kafka-tls', 'connect to Kafka over TLS (env MUSICFLOW_KAFKA_TLS)')
    .option('--kafka-ca <file>', 'PEM file of the CA that signed the brokers\' certificates; implies --kafka-tls (env MUSICFLOW_KAFKA_CA)')
    .option('--kafka-sasl-mechanism <name>', `Kafka SASL: ${SASL_MECHANISMS.join(', ')} (env MUSICFLOW_KAFKA_SASL_MECHANISM)`)
    .option('--kafka-sasl-username <name>', `Kafka SASL user; the password comes from env ${SASL_PASSWORD_ENV} only (env MUSICFLOW_KAFKA_SASL_USERNAME)`)
    .option('--kibana <url>', 'Kibana URL for `musicflow kibana import` (env MUSICFLOW_KIBANA_URL)')
    .option('--elasticsearch-ca <file>', 'PEM file of the CA that signed the Elasticsearch certificates (env MUSICFLOW_ELASTICSEARCH_CA)')
    .option('--yes', 'ask nothing: take the flags, env and defaults')
    .option('--force', 'overwrite the config file if it exists')
    .option('--no-check', 'write the file without testing the connections');
  withGlobals(cmd);
  example(cmd,
    'musicflow init',
    'musicflow init --yes --embedded --data-dir ./.musicflow',
    'musicflow init --yes --servers --kafka 127.0.0.1:9092 --redis redis://127.0.0.1:6379 --config musicflow.json --json',
    'musicflow init --yes --servers --kafka 127.0.0.1:9092 --redis redis://127.0.0.1:6379 --elasticsearch http://127.0.0.1:9200',
    `${SASL_PASSWORD_ENV}=... musicflow init --yes --servers --kafka kafka.example:9093 --kafka-sasl-mechanism scram-sha-512 --kafka-sasl-username app --kafka-ca ca.pem --redis redis://...`);
  cmd.action((opts: InitOptions) => run(async () => {
    const out = output(Boolean(opts.json));
    if (opts.servers && opts.embedded) throw new UsageError('init: choose one of --servers and --embedded');
    const file = resolve(opts.config ?? process.env.MUSICFLOW_CONFIG ?? DEFAULT_FILE);
    const interactive = !opts.yes && !opts.json && Boolean(process.stdin.isTTY);
    const base = startingConfig(opts);
    let choice = choiceFrom(opts, base);
    if (!interactive && choice.mode === 'servers' && (choice.kafkaBrokers.length === 0 || choice.redisUrl === '')) {
      throw new UsageError('init --servers: name both --kafka <host:port> and --redis <url> (or set MUSICFLOW_KAFKA_BROKERS and MUSICFLOW_REDIS_URL)');
    }
    if (!interactive && opts.check && choice.mode === 'servers' && choice.kafkaSasl && !process.env[SASL_PASSWORD_ENV]) {
      throw new UsageError(`init: testing Kafka SASL ${choice.kafkaSasl.mechanism} as ${choice.kafkaSasl.username} needs the password in env ${SASL_PASSWORD_ENV} (or pass --no-check)`);
    }
    if (existsSync(file) && !opts.force) {
      if (!interactive) throw new UsageError(`init: ${file} exists; pass --force to replace it, or --config <file> to write another`);
      if (!(await ask<boolean>({ type: 'confirm', message: `${file} exists. Replace it?`, default: false }))) return 1;
    }

    let health: Health[] = [];
    for (;;) {
      if (interactive) choice = await askChoice(choice);
      if (!opts.check) break;
      out.note('init: testing the connections...');
      const backends = await openBackends(configToCheck(choice, base));
      health = await healthOf(backends).finally(() => backends.close());
      for (const h of health) out.note(`  ${healthLine(h)}`);
      if (health.every((h) => h.ok)) break;
      const down = health.filter((h) => !h.ok).map((h) => h.backend).join(', ');
      if (!interactive) {
        throw new MusicflowError(`init: ${down} did not answer, so ${file} was not written; start them (for a local test stack: npm run stack:up) or pass --no-check`);
      }
      const next = await ask<'edit' | 'write' | 'cancel'>({
        type: 'select', message: `${down} did not answer. What now?`,
        choices: [
          { name: 'Change the settings', value: 'edit' },
          { name: 'Write the file anyway', value: 'write' },
          { name: 'Cancel', value: 'cancel' },
        ],
      });
      if (next === 'cancel') return 1;
      if (next === 'write') break;
    }

    const contents = configFileOf(choice);
    writeConfigFile(file, contents);
    const passwordKept = withoutPassword(choice.mode === 'servers' ? choice.redisUrl : '').hadPassword;
    if (passwordKept) out.warn('the Redis password was left out of the file: export MUSICFLOW_REDIS_URL with it where musicflow runs');
    if (contents.kafkaSasl) out.note(`Kafka SASL ${contents.kafkaSasl.mechanism} as ${contents.kafkaSasl.username}: export ${SASL_PASSWORD_ENV} where musicflow runs (it is never in the file)`);
    out.report({ file, mode: choice.mode, config: contents, checks: health, next: `export MUSICFLOW_CONFIG=${file}` }, () => [
      `wrote ${file} (${choice.mode === 'servers' ? `Kafka ${contents.kafkaBrokers.join(',')}, Redis ${contents.redisUrl}` : `embedded files in ${contents.dataDir}`})`,
      `use it with --config ${file}, or: export MUSICFLOW_CONFIG=${file}`,
    ]);
    return 0;
  }));
}
