// Where the event log keeps what on Kafka: its topics and the headers of a record. Both drivers write and read
// exactly this, so either client reads what the other wrote.
import type { Config } from '../../config.js';
import type { LogRecord } from '../../ports.js';

export type KafkaSettings = Pick<Config, 'kafkaBrokers' | 'topic' | 'partitions' | 'kafkaSasl' | 'kafkaTls' | 'kafkaCa'>;

/** Header names of a record's source file and line (the line as decimal text), and of the file's identity. */
export const SOURCE_FILE = 'musicflow-source-file';
export const SOURCE_LINE = 'musicflow-source-line';
export const SOURCE_ID = 'musicflow-source-id';

export function deadLetterTopicOf(topic: string): string {
  return `${topic}.deadletters`;
}

/** Where `replay` keeps how far each file was sent: one record per file identity, compacted to the latest. */
export function filePositionsTopicOf(topic: string): string {
  return `${topic}.file-positions`;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  compacted: boolean;
}

/** The topics a log needs, with their partition counts and whether compacted: created when missing. */
export function topicsOf(settings: KafkaSettings): TopicSpec[] {
  return [
    { topic: settings.topic, partitions: settings.partitions, compacted: false },
    { topic: deadLetterTopicOf(settings.topic), partitions: 1, compacted: false },
    { topic: filePositionsTopicOf(settings.topic), partitions: 1, compacted: true },
  ];
}

/** The topic configuration of a compacted topic. */
export const COMPACTED = { name: 'cleanup.policy', value: 'compact' };

export function sourceHeaders(source: LogRecord['source']): Record<string, string> | undefined {
  return source ? { [SOURCE_FILE]: source.file, [SOURCE_LINE]: String(source.line) } : undefined;
}

/** A record's source from its headers' text (undefined when it carries none). */
export function sourceFromHeaders(file: string | undefined, line: string | undefined): LogRecord['source'] {
  return file !== undefined ? { file, line: Number(line ?? 0) } : undefined;
}
