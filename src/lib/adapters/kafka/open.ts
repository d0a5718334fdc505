// The Kafka event log on the client library the configuration names.
import type { KafkaClient } from '../../config.js';
import { KafkaEventLog } from './event-log.js';
import { KafkajsDriver } from './kafkajs-driver.js';
import type { KafkaSettings } from './log-layout.js';
import { PlatformaticDriver } from './platformatic-driver.js';

export function openKafkaEventLog(settings: KafkaSettings, client: KafkaClient): KafkaEventLog {
  return new KafkaEventLog(settings, client === 'platformatic' ? new PlatformaticDriver(settings) : new KafkajsDriver(settings));
}
