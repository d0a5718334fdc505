// Files sent once per line on Kafka (the EventLog's appendFromFile and fileProgress).
import type { FilePosition, FileProgress, FileStep } from '../../ports.js';
import type { DeadLetter } from '../../records.js';
import type { FetchedRecord, KafkaMessage, PartitionRange } from './driver.js';
import { SOURCE_ID, SOURCE_LINE, deadLetterTopicOf, filePositionsTopicOf, sourceHeaders } from './log-layout.js';

/** What file positions need of the log. */
export interface KafkaRecordIo {
  /** Each partition of `topics` with its first and next offsets. */
  offsets(topics: string[]): Promise<Array<{ topic: string; partition: number; low: number; high: number }>>;
  /** Sends in order and resolves when every message is acknowledged (acks=all). */
  send(messages: KafkaMessage[]): Promise<void>;
  /** The records of each range [from, to), every partition of the ranges' topics named (empty ranges: none wanted). */
  read(ranges: PartitionRange[]): Promise<FetchedRecord[]>;
}

/**
 * A file's position on Kafka: how far it is sent, and the topics' offsets from which any later line of it
 * would be found. Written after each step is acknowledged, so after a crash the lines of the step cut short
 * that did land are past `scanFrom`: fileProgress finds them there by their source headers.
 */
interface Checkpoint extends FilePosition { scanFrom: Array<{ topic: string; partition: number; offset: number }> }

/**
 * Each step's records and dead letters carry the file's identity and line; the checkpoint after it goes to the
 * compacted positions topic. Recovery reads the checkpoint and the topics' tails.
 */
export class KafkaFilePositions {
  private readonly topics: string[];
  private readonly positionsTopic: string;
  /** Files this process has written a checkpoint for. */
  private readonly checkpointed = new Set<string>();

  constructor(private readonly io: KafkaRecordIo, topic: string, private readonly asError: (err: unknown) => Error = (err) => err as Error) {
    this.topics = [topic, deadLetterTopicOf(topic)];
    this.positionsTopic = filePositionsTopicOf(topic);
  }

  async append(step: FileStep): Promise<void> {
    try {
      await this.sendStep(step);
    } catch (err) {
      throw this.asError(err);
    }
  }

  async progress(fileId: string): Promise<FileProgress | null> {
    try {
      return await this.readProgress(fileId);
    } catch (err) {
      throw this.asError(err);
    }
  }

  private async sendStep(step: FileStep): Promise<void> {
    const [topic, deadLetterTopic] = this.topics;
    if (step.from.line === 0 && !this.checkpointed.has(step.fileId)) {
      // Sent from its start (first time, or --again): any of its lines from here on lands past the current ends.
      await this.checkpoint(step.fileId, step.from);
    }
    const sourced = (line: number) => ({ [SOURCE_ID]: step.fileId, [SOURCE_LINE]: String(line) });
    await this.io.send([
      ...step.records.map((r) => ({ topic, key: r.key, value: r.value, headers: { ...sourceHeaders(r.source), ...sourced(r.source?.line ?? 0) } })),
      ...step.deadLetters.map((l: DeadLetter) => ({ topic: deadLetterTopic, key: l.source, value: JSON.stringify(l), headers: sourced(l.line ?? 0) })),
    ]);
    await this.checkpoint(step.fileId, step.to);
  }

  private async readProgress(fileId: string): Promise<FileProgress | null> {
    const [positions] = await this.io.offsets([this.positionsTopic]);
    const records = await this.io.read([{ topic: this.positionsTopic, partition: 0, from: positions.low, to: positions.high }]);
    const latest = records.filter((r) => r.key === fileId).pop();
    if (latest === undefined) return null;
    const { line, byte, scanFrom } = JSON.parse(latest.value) as Checkpoint;
    const ends = await this.io.offsets(this.topics);
    const from = new Map(scanFrom.map((o) => [`${o.topic}:${o.partition}`, o.offset]));
    const ranges = ends.map((e) => ({ topic: e.topic, partition: e.partition, from: Math.max(from.get(`${e.topic}:${e.partition}`) ?? e.low, e.low), to: e.high }));
    const tail = ranges.some((r) => r.from < r.to) ? await this.io.read(ranges) : [];
    const alsoSent = new Set(tail.filter((r) => r.headers.get(SOURCE_ID) === fileId).map((r) => Number(r.headers.get(SOURCE_LINE))).filter((n) => n > line));
    return { position: { line, byte }, alsoSent };
  }

  private async checkpoint(fileId: string, position: FilePosition): Promise<void> {
    const scanFrom = (await this.io.offsets(this.topics)).map((o) => ({ topic: o.topic, partition: o.partition, offset: o.high }));
    const value: Checkpoint = { line: position.line, byte: position.byte, scanFrom };
    await this.io.send([{ topic: this.positionsTopic, key: fileId, value: JSON.stringify(value) }]);
    this.checkpointed.add(fileId);
  }
}
