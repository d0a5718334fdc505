// The one place that decides configuration: flags > env MUSICFLOW_* > --config FILE (JSON) > defaults.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputFileError, UsageError } from './errors.js';
import { wholeNumberOf } from './whole-number.js';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** Kafka SASL as a config file may keep it; the password comes from env only. */
export interface SaslIdentity { mechanism: SaslMechanism; username: string }
export const SASL_PASSWORD_ENV = 'MUSICFLOW_KAFKA_SASL_PASSWORD';
/** Where the mechanism and the user are set, as the messages that refuse them say. */
export interface SaslSettingNames { mechanism: string; username: string }
const SASL_ENV_NAMES: SaslSettingNames = { mechanism: 'MUSICFLOW_KAFKA_SASL_MECHANISM', username: 'MUSICFLOW_KAFKA_SASL_USERNAME' };

/** The Kafka client libraries the event log can run on (drivers in src/lib/adapters/kafka/). */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClient = (typeof KAFKA_CLIENTS)[number];

export interface Config {
  dataDir: string; // embedded state lives here
  kafkaBrokers: string[]; // empty: embedded event log
  kafkaClient: KafkaClient; // which Kafka client library carries the event log
  redisUrl: string; // empty: embedded store and index
  topic: string;
  partitions: number;
  group: string;
  redisPrefix: string;
  /** The mechanism and user may come from the config file; the password only from env. */
  kafkaSasl: (SaslIdentity & { password: string }) | null;
  kafkaTls: boolean;
  /** PEM file of the CA that signed the brokers' certificates ('' = the system's CAs); implies kafkaTls. */
  kafkaCa: string;
  /** Elasticsearch as the index (null: the index lives with the store, embedded or Redis). */
  elasticsearch: ElasticsearchConfig | null;
  kibana: string; // Kibana's URL for `musicflow kibana import` ('' = not set)
  configFile: string | null;
}

export interface ElasticsearchConfig {
  nodes: string[]; // URLs; empty when cloudId names the deployment
  cloudId: string;
  /** From env only (MUSICFLOW_ELASTICSEARCH_API_KEY, or _USERNAME with _PASSWORD), never the config file. */
  auth: { apiKey: string } | { username: string; password: string } | null;
  ca: string; // PEM of the CA that signed the nodes' certificates ('' = the system's CAs)
  prefix: string; // of every index, alias and template name
  replicas: number;
  /** Documents carry customers' names and addresses only when asked: by default analysts see ids. */
  indexNames: boolean;
  /** `es rollover` (and stream, now and then) rolls each alias over once its write index is this old or big. */
  rolloverMaxAge: string;
  rolloverMaxPrimaryShardSize: string;
}

/** Config-file keys and defaults of the Elasticsearch settings (flat, like every other key). */
export const ELASTICSEARCH_DEFAULTS = {
  elasticsearch: '',
  elasticsearchCloudId: '',
  elasticsearchCa: '',
  elasticsearchPrefix: 'musicflow-',
  elasticsearchReplicas: 1,
  elasticsearchRolloverAge: '30d',
  elasticsearchRolloverSize: '50gb',
  indexNames: false,
};

export const DEFAULTS: Omit<Config, 'configFile' | 'elasticsearch'> & typeof ELASTICSEARCH_DEFAULTS = {
  dataDir: './.musicflow',
  kafkaBrokers: [],
  kafkaClient: 'kafkajs',
  redisUrl: '',
  topic: 'musicflow.plays',
  partitions: 6, // shared evenly by 1, 2, 3 or 6 workers
  group: 'musicflow-stream',
  redisPrefix: 'musicflow:',
  kafkaSasl: null,
  kafkaTls: false,
  kafkaCa: '',
  ...ELASTICSEARCH_DEFAULTS,
  kibana: '',
};

/** Global flags every command accepts (commander camelCases them). */
export interface GlobalFlags {
  dataDir?: string;
  kafka?: string;
  kafkaClient?: string;
  redis?: string;
  topic?: string;
  partitions?: string | number;
  group?: string;
  elasticsearch?: string;
  indexNames?: boolean;
  config?: string;
}

type Source = Partial<Record<keyof typeof DEFAULTS, unknown>>;

function fromEnv(env: NodeJS.ProcessEnv): Source {
  const out: Source = {};
  if (env.MUSICFLOW_HOME) out.dataDir = env.MUSICFLOW_HOME;
  if (env.MUSICFLOW_KAFKA_BROKERS) out.kafkaBrokers = env.MUSICFLOW_KAFKA_BROKERS;
  if (env.MUSICFLOW_KAFKA_CLIENT) out.kafkaClient = env.MUSICFLOW_KAFKA_CLIENT;
  if (env.MUSICFLOW_REDIS_URL) out.redisUrl = env.MUSICFLOW_REDIS_URL;
  if (env.MUSICFLOW_TOPIC) out.topic = env.MUSICFLOW_TOPIC;
  if (env.MUSICFLOW_PARTITIONS) out.partitions = env.MUSICFLOW_PARTITIONS;
  if (env.MUSICFLOW_GROUP) out.group = env.MUSICFLOW_GROUP;
  if (env.MUSICFLOW_REDIS_PREFIX) out.redisPrefix = env.MUSICFLOW_REDIS_PREFIX;
  if (env.MUSICFLOW_KAFKA_TLS) out.kafkaTls = env.MUSICFLOW_KAFKA_TLS;
  if (env.MUSICFLOW_KAFKA_CA) out.kafkaCa = env.MUSICFLOW_KAFKA_CA;
  if (env.MUSICFLOW_ELASTICSEARCH_URL) out.elasticsearch = env.MUSICFLOW_ELASTICSEARCH_URL;
  if (env.MUSICFLOW_ELASTICSEARCH_CLOUD_ID) out.elasticsearchCloudId = env.MUSICFLOW_ELASTICSEARCH_CLOUD_ID;
  if (env.MUSICFLOW_ELASTICSEARCH_CA) out.elasticsearchCa = env.MUSICFLOW_ELASTICSEARCH_CA;
  if (env.MUSICFLOW_ELASTICSEARCH_PREFIX) out.elasticsearchPrefix = env.MUSICFLOW_ELASTICSEARCH_PREFIX;
  if (env.MUSICFLOW_ELASTICSEARCH_REPLICAS) out.elasticsearchReplicas = env.MUSICFLOW_ELASTICSEARCH_REPLICAS;
  if (env.MUSICFLOW_ELASTICSEARCH_ROLLOVER_AGE) out.elasticsearchRolloverAge = env.MUSICFLOW_ELASTICSEARCH_ROLLOVER_AGE;
  if (env.MUSICFLOW_ELASTICSEARCH_ROLLOVER_SIZE) out.elasticsearchRolloverSize = env.MUSICFLOW_ELASTICSEARCH_ROLLOVER_SIZE;
  if (env.MUSICFLOW_INDEX_NAMES) out.indexNames = env.MUSICFLOW_INDEX_NAMES;
  if (env.MUSICFLOW_KIBANA_URL) out.kibana = env.MUSICFLOW_KIBANA_URL;
  // Each one set overrides the file's; the password is added in resolveConfig (env only).
  const sasl: Record<string, string> = {};
  if (env.MUSICFLOW_KAFKA_SASL_MECHANISM) sasl.mechanism = env.MUSICFLOW_KAFKA_SASL_MECHANISM;
  if (env.MUSICFLOW_KAFKA_SASL_USERNAME) sasl.username = env.MUSICFLOW_KAFKA_SASL_USERNAME;
  if (Object.keys(sasl).length > 0) out.kafkaSasl = sasl;
  return out;
}

function fromFlags(flags: GlobalFlags): Source {
  const out: Source = {};
  if (flags.dataDir !== undefined) out.dataDir = flags.dataDir;
  if (flags.kafka !== undefined) out.kafkaBrokers = flags.kafka;
  if (flags.kafkaClient !== undefined) out.kafkaClient = flags.kafkaClient;
  if (flags.redis !== undefined) out.redisUrl = flags.redis;
  if (flags.topic !== undefined) out.topic = flags.topic;
  if (flags.partitions !== undefined) out.partitions = flags.partitions;
  if (flags.group !== undefined) out.group = flags.group;
  if (flags.elasticsearch !== undefined) out.elasticsearch = flags.elasticsearch;
  if (flags.indexNames !== undefined) out.indexNames = flags.indexNames;
  return out;
}

function fromFile(path: string): Source {
  if (!existsSync(path)) throw new UsageError(`--config ${path}: no such file (create it with \`musicflow init\`)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config ${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--config ${path}: expected a JSON object`);
  }
  for (const secret of ['elasticsearchApiKey', 'elasticsearchPassword', 'elasticsearchUsername']) {
    if (secret in parsed) throw new UsageError(`--config ${path}: Elasticsearch credentials belong in env (MUSICFLOW_ELASTICSEARCH_API_KEY, or _USERNAME and _PASSWORD), not the file`);
  }
  const known = new Set(Object.keys(DEFAULTS));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new UsageError(`--config ${path}: unknown key "${key}" (known: ${[...known].join(', ')})`);
  }
  const sasl = (parsed as { kafkaSasl?: unknown }).kafkaSasl;
  if (sasl !== undefined && sasl !== null) {
    const keys = typeof sasl === 'object' && !Array.isArray(sasl) ? Object.keys(sasl) : ['?'];
    if (keys.includes('password')) throw new UsageError(`--config ${path}: secrets belong in env MUSICFLOW_KAFKA_SASL_PASSWORD, not the file`);
    if (keys.some((k) => k !== 'mechanism' && k !== 'username')) {
      throw new UsageError(`--config ${path}: "kafkaSasl" takes {"mechanism": ..., "username": ...} (the password comes from env MUSICFLOW_KAFKA_SASL_PASSWORD)`);
    }
  }
  return parsed as Source;
}

function brokers(value: unknown, origin: string): string[] {
  const list = Array.isArray(value) ? value.map(String) : String(value).split(',');
  const cleaned = list.map((b) => b.trim()).filter(Boolean);
  for (const b of cleaned) {
    if (!/^[^:\s]+:\d+$/.test(b)) throw new UsageError(`${origin}: broker "${b}" must look like host:port`);
  }
  return cleaned;
}

/** A SASL mechanism (in any case: SCRAM-SHA-256, as Kafka spells it, works too) and user, checked; `named` says where each is set. */
export function saslIdentityOf(mechanismText: string | undefined, username: string | undefined, origin: string, named = SASL_ENV_NAMES): SaslIdentity {
  const mechanism = mechanismText?.toLowerCase();
  if (!SASL_MECHANISMS.includes(mechanism as SaslMechanism)) {
    throw new UsageError(`${origin}: SASL mechanism ${mechanism ? `"${mechanism}"` : 'missing'}: set ${named.mechanism} to plain, scram-sha-256 or scram-sha-512`);
  }
  if (!username) throw new UsageError(`${origin}: SASL ${mechanism} needs a user: set ${named.username}`);
  return { mechanism: mechanism as SaslMechanism, username };
}

/** SASL settings from the merged layers plus the password from env; null when no layer names any. */
function saslOf(value: unknown, origin: string, env: NodeJS.ProcessEnv): Config['kafkaSasl'] {
  if (value === null || value === undefined) return null;
  const { mechanism, username } = value as { mechanism?: string; username?: string };
  const identity = saslIdentityOf(mechanism, username, origin);
  const password = env[SASL_PASSWORD_ENV] ?? '';
  if (!password) throw new UsageError(`${origin}: SASL ${identity.mechanism} as ${identity.username} needs a password: set ${SASL_PASSWORD_ENV}`);
  return { ...identity, password };
}

/** The CA file's absolute path after checking it holds a PEM certificate ('' stays ''); `named` says who named it. */
export function checkedCaFile(path: string, named: string, service: 'Kafka' | 'Elasticsearch' | 'Kibana' = 'Kafka'): string {
  if (path === '') return '';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputFileError(path, `cannot read the ${service} CA certificate named by ${named} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); point it at the PEM file of the CA that signed ${service}'s certificates`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new InputFileError(path, `not a PEM certificate (no "-----BEGIN CERTIFICATE-----"), named by ${named}`);
  }
  return resolve(path);
}

function kafkaClientOf(value: unknown, origin: string): KafkaClient {
  const name = String(value).toLowerCase();
  if (!KAFKA_CLIENTS.includes(name as KafkaClient)) {
    throw new UsageError(`${origin}: Kafka client "${String(value)}": use ${KAFKA_CLIENTS.join(' or ')} (--kafka-client / MUSICFLOW_KAFKA_CLIENT)`);
  }
  return name as KafkaClient;
}

function wholeNumber(value: unknown, origin: string, min: number): number {
  const n = wholeNumberOf(value);
  if (n === null || n < min) throw new UsageError(`${origin}: expected a whole number >= ${min}, got "${String(value)}"`);
  return n;
}

const yes = (value: unknown) => ['1', 'true', 'yes'].includes(String(value).toLowerCase());

export type ElasticsearchSettings = typeof ELASTICSEARCH_DEFAULTS;

/** The flat settings (as the config file keeps them) of a resolved Elasticsearch config; the defaults for none. */
export function elasticsearchSettingsOf(es: ElasticsearchConfig | null): ElasticsearchSettings {
  if (!es) return { ...ELASTICSEARCH_DEFAULTS };
  return {
    elasticsearch: es.nodes.join(','),
    elasticsearchCloudId: es.cloudId,
    elasticsearchCa: es.ca,
    elasticsearchPrefix: es.prefix,
    elasticsearchReplicas: es.replicas,
    elasticsearchRolloverAge: es.rolloverMaxAge,
    elasticsearchRolloverSize: es.rolloverMaxPrimaryShardSize,
    indexNames: es.indexNames,
  };
}

/** Elasticsearch settings from the merged layers plus credentials from env; null when neither a URL nor a cloud id is set. */
export function elasticsearchOf(merged: Partial<Record<keyof ElasticsearchSettings, unknown>>, origins: Partial<Record<keyof ElasticsearchSettings, string>>, env: NodeJS.ProcessEnv): ElasticsearchConfig | null {
  const origin = (key: keyof ElasticsearchSettings) => origins[key] ?? key;
  const nodes = String(merged.elasticsearch ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  const cloudId = String(merged.elasticsearchCloudId ?? '');
  if (nodes.length === 0 && cloudId === '') return null;
  for (const node of nodes) {
    if (!/^https?:\/\/[^\s/]+/.test(node)) throw new UsageError(`${origin('elasticsearch')}: Elasticsearch URL "${node}" must look like http://host:9200 or https://host:9200`);
    if (/^https?:\/\/[^/]*@/.test(node)) throw new UsageError(`${origin('elasticsearch')}: put Elasticsearch credentials in env MUSICFLOW_ELASTICSEARCH_USERNAME and _PASSWORD (or _API_KEY), not in the URL`);
  }
  const { MUSICFLOW_ELASTICSEARCH_API_KEY: apiKey, MUSICFLOW_ELASTICSEARCH_USERNAME: username, MUSICFLOW_ELASTICSEARCH_PASSWORD: password } = env;
  if (username && !password) throw new UsageError(`Elasticsearch user ${username} needs a password: set MUSICFLOW_ELASTICSEARCH_PASSWORD`);
  const prefix = String(merged.elasticsearchPrefix);
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(prefix)) {
    throw new UsageError(`${origin('elasticsearchPrefix')}: index prefix "${prefix}" must be lower case letters, digits, '-', '_' or '.' (Elasticsearch index names)`);
  }
  return {
    nodes,
    cloudId,
    auth: apiKey ? { apiKey } : username ? { username, password: password ?? '' } : null,
    ca: checkedCaFile(String(merged.elasticsearchCa ?? ''), origin('elasticsearchCa') === 'env' ? 'env MUSICFLOW_ELASTICSEARCH_CA' : `${origin('elasticsearchCa')} ("elasticsearchCa")`, 'Elasticsearch'),
    prefix,
    replicas: wholeNumber(merged.elasticsearchReplicas, origin('elasticsearchReplicas'), 0),
    indexNames: yes(merged.indexNames),
    rolloverMaxAge: String(merged.elasticsearchRolloverAge),
    rolloverMaxPrimaryShardSize: String(merged.elasticsearchRolloverSize),
  };
}

/** The data dir as given (flag, else env, else the default), not yet made absolute: what a config file keeps. */
export function dataDirAsGiven(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): string {
  return String(fromFlags(flags).dataDir ?? fromEnv(env).dataDir ?? DEFAULTS.dataDir);
}

/** Merges the sources in precedence order and validates the result. */
export function resolveConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const configFile = flags.config ?? env.MUSICFLOW_CONFIG ?? null;
  const layers: Array<[string, Source]> = [
    ['defaults', DEFAULTS],
    [configFile ? `--config ${configFile}` : 'config', configFile ? fromFile(configFile) : {}],
    ['env', fromEnv(env)],
    ['flags', fromFlags(flags)],
  ];
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const [name, layer] of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      // SASL merges field by field: the file may name the mechanism and env only the user.
      const both = key === 'kafkaSasl' && value !== null && typeof merged[key] === 'object' && merged[key] !== null;
      merged[key] = both ? { ...(merged[key] as object), ...(value as object) } : value;
      origin[key] = name;
    }
  }
  const kafkaCa = checkedCaFile(String(merged.kafkaCa ?? ''), origin.kafkaCa === 'env' ? 'env MUSICFLOW_KAFKA_CA' : `${origin.kafkaCa} ("kafkaCa")`);
  return {
    dataDir: resolve(String(merged.dataDir)),
    kafkaBrokers: brokers(merged.kafkaBrokers, origin.kafkaBrokers ?? 'kafka'),
    kafkaClient: kafkaClientOf(merged.kafkaClient, origin.kafkaClient ?? 'kafkaClient'),
    redisUrl: String(merged.redisUrl ?? ''),
    topic: String(merged.topic),
    partitions: wholeNumber(merged.partitions, origin.partitions ?? 'partitions', 1),
    group: String(merged.group),
    redisPrefix: String(merged.redisPrefix),
    kafkaSasl: saslOf(merged.kafkaSasl, origin.kafkaSasl ?? 'kafkaSasl', env),
    kafkaTls: kafkaCa !== '' || yes(merged.kafkaTls),
    kafkaCa,
    elasticsearch: elasticsearchOf(merged, origin, env),
    kibana: String(merged.kibana ?? ''),
    configFile,
  };
}
