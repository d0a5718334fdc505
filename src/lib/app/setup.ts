// What `musicflow init` does besides asking: check that the chosen backends answer, and write the
// config file (the keys of config.ts's DEFAULTS, never a secret).
import { writeFileSync } from 'node:fs';
import { DEFAULTS, ELASTICSEARCH_DEFAULTS, type ElasticsearchSettings, type KafkaClient, type SaslIdentity } from '../config.js';
import type { EventLog, Health, Index, Store } from '../ports.js';

/** Kafka SASL as the config file keeps it: the password comes from env MUSICFLOW_KAFKA_SASL_PASSWORD only. */
export type SaslChoice = SaslIdentity | null;

/** The config file's contents: every setting of DEFAULTS, without the secrets, which come from env only. */
export type ConfigFile = Omit<typeof DEFAULTS, 'kafkaSasl'> & { kafkaSasl: SaslChoice };

export interface SetupChoice {
  mode: 'embedded' | 'servers';
  dataDir: string;
  kafkaBrokers: string[];
  kafkaClient: KafkaClient;
  redisUrl: string;
  topic: string;
  partitions: number;
  group: string;
  redisPrefix: string;
  kafkaTls: boolean;
  kafkaSasl: SaslChoice;
  kafkaCa: string;
  /** Elasticsearch as the index (servers only; an empty URL and cloud id keep the index in Redis). */
  elasticsearch: ElasticsearchSettings;
  kibana: string; // for `musicflow kibana import` ('' = none)
}

/** A Redis URL without its password, and whether it had one (the password then belongs in env). */
export function withoutPassword(url: string): { url: string; hadPassword: boolean } {
  if (url === '') return { url, hadPassword: false };
  try {
    const parsed = new URL(url);
    if (!parsed.password) return { url, hadPassword: false };
    parsed.password = '';
    return { url: parsed.toString().replace(/\/$/, '').replace(/:@/, '@'), hadPassword: true };
  } catch {
    return { url, hadPassword: false };
  }
}

export function configFileOf(choice: SetupChoice): ConfigFile {
  const servers = choice.mode === 'servers';
  return {
    dataDir: choice.dataDir,
    kafkaBrokers: servers ? choice.kafkaBrokers : [],
    kafkaClient: choice.kafkaClient,
    redisUrl: servers ? withoutPassword(choice.redisUrl).url : '',
    topic: choice.topic,
    partitions: choice.partitions,
    group: choice.group,
    redisPrefix: choice.redisPrefix,
    kafkaTls: choice.kafkaTls,
    kafkaSasl: servers ? choice.kafkaSasl : null,
    kafkaCa: servers ? choice.kafkaCa : '',
    ...(servers ? choice.elasticsearch : ELASTICSEARCH_DEFAULTS),
    kibana: choice.kibana,
  };
}

/** Health of each backend of a set the caller opened (for init: with the full settings, secrets from env included). */
export function healthOf(backends: { log: EventLog; store: Store; index: Index }): Promise<Health[]> {
  return Promise.all([backends.log.health(), backends.store.health(), backends.index.health()]);
}

export function writeConfigFile(path: string, file: ConfigFile): void {
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}
