// The event log over Kafka, whichever client library drives it (driver.ts). One topic holds the plays, keyed
// by customer id so a customer's plays stay in order in one partition; `<topic>.deadletters` holds the lines
// that could not be used, as JSON; `<topic>.file-positions` how far each file was sent. Workers of one consumer
// group share the partitions and commit a batch's offsets only after its effects are durable (onBatch resolved).
import { countDistinct, distinctDeadLetters } from '../../dead-letters.js';
import type {
  ConsumeOptions, DeadLetterCounts, EventLog, FileProgress, FileStep, Health, LogRecord, PartitionLag,
} from '../../ports.js';
import type { DeadLetter } from '../../records.js';
import { sleep } from '../../sleep.js';
import type { Fetched, FetchedRecord, GroupMember, KafkaDriver, KafkaMessage, PartitionRange } from './driver.js';
import { GroupHasWorkersError, ReadTooSlowError, kafkaError } from './errors.js';
import { GapRecoveryCursor } from './gap-cursor.js';
import { KafkaFilePositions } from './file-positions.js';
import { lagOf, readPositionsOf, watchLag, type LagWatch } from './lag.js';
import { deadLetterTopicOf, sourceHeaders, topicsOf, type KafkaSettings } from './log-layout.js';
import { SendQueue } from './send-queue.js';
import { READ_RANGES_MS, SESSION_TIMEOUT_MS } from './timings.js';

export class KafkaEventLog implements EventLog {
  readonly name: string;
  readonly deadLetterTopic: string;
  private topicsReady: Promise<void> | null = null;
  private readonly sends: SendQueue;
  private readonly files: KafkaFilePositions;

  constructor(private readonly settings: KafkaSettings, private readonly driver: KafkaDriver) {
    this.name = settings.topic;
    this.deadLetterTopic = deadLetterTopicOf(settings.topic);
    this.sends = new SendQueue((err) => this.asError(err));
    this.files = new KafkaFilePositions({
      offsets: async (topics) => {
        await this.ensureTopics();
        return (await Promise.all(topics.map(async (topic) => (await this.driver.offsets(topic)).map((p) => ({ topic, ...p }))))).flat();
      },
      send: (messages) => this.send(messages),
      read: (ranges) => this.readRanges(ranges),
    }, settings.topic, (err) => this.asError(err));
  }

  appendFromFile(step: FileStep): Promise<void> {
    return this.files.append(step);
  }

  fileProgress(fileId: string): Promise<FileProgress | null> {
    return this.files.progress(fileId);
  }

  async append(records: LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.send(records.map((r) => ({ topic: this.settings.topic, key: r.key, value: r.value, headers: sourceHeaders(r.source) })));
  }

  async appendDeadLetters(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.send(letters.map((l) => ({ topic: this.deadLetterTopic, key: l.source, value: JSON.stringify(l) })));
  }

  private async send(messages: KafkaMessage[]): Promise<void> {
    await this.ensureTopics();
    await this.sends.run(() => this.driver.send(messages));
  }

  /** Reads the ranges with a throwaway consumer group, deleted afterwards. */
  private async readRanges(ranges: PartitionRange[]): Promise<FetchedRecord[]> {
    const wanted = ranges.filter((r) => r.from < r.to);
    if (wanted.length === 0) return [];
    const group = `musicflow-reader-${process.pid}-${Date.now()}`;
    const deadline = AbortSignal.timeout(READ_RANGES_MS);
    try {
      const records = await this.driver.readRanges(group, wanted, deadline);
      if (deadline.aborted) {
        const topics = [...new Set(wanted.map((r) => r.topic))];
        throw new ReadTooSlowError(this.settings.kafkaBrokers, topics, records.length, wanted.reduce((sum, r) => sum + r.to - r.from, 0));
      }
      return records;
    } catch (err) {
      throw this.asError(err);
    } finally {
      await this.driver.deleteGroup(group).catch(() => undefined);
    }
  }

  /**
   * The one consume loop: takes what the member fetched, hands it out a partition at a time through the gap
   * cursor, and commits each batch after onBatch resolved.
   */
  async consume(options: ConsumeOptions): Promise<void> {
    await this.ensureTopics();
    if (options.fromBeginning) await this.forgetGroup(options.group);
    const stop = new AbortController();
    let failure: unknown = null;
    const finish = () => stop.abort();
    const fail = (err: unknown) => {
      failure ??= err;
      finish();
    };
    let busy = false;
    let member: GroupMember | undefined;
    let lagWatch: LagWatch | undefined;
    options.signal.addEventListener('abort', finish, { once: true });
    if (options.signal.aborted) finish();
    try {
      // A new group starts at the oldest record: the sinks' watermarks make re-reading harmless, skipping is not.
      member = await this.driver.join({
        group: options.group, topic: this.settings.topic, maxBatch: options.maxBatch, partitions: this.settings.partitions, onFailure: fail,
      });
      lagWatch = watchLag({
        lag: () => this.lagWith(options.group), busy: () => busy, untilIdle: options.untilIdle, onLag: options.onLag, onIdle: finish,
      });
      const cursor = new GapRecoveryCursor();
      for (let fetched = await member.next(stop.signal); fetched !== null; fetched = await member.next(stop.signal)) {
        busy = true;
        lagWatch.active();
        try {
          await this.handOut(fetched, member, cursor, options, stop.signal);
        } finally {
          busy = false;
        }
      }
    } catch (err) {
      fail(err);
    } finally {
      lagWatch?.stop();
      options.signal.removeEventListener('abort', finish);
      await member?.close().catch(() => undefined);
    }
    if (failure) throw this.asError(failure);
  }

  private async handOut(fetched: Fetched, member: GroupMember, cursor: GapRecoveryCursor, options: ConsumeOptions, stopped: AbortSignal): Promise<void> {
    if (!cursor.follows(fetched.generation)) cursor.start(fetched.generation, readPositionsOf(await this.lagWith(options.group)));
    const { batches, rewinds } = cursor.pass(fetched.records, fetched.assigned, options.maxBatch);
    for (const batch of batches) {
      if (stopped.aborted || !member.holds(fetched.generation)) break;
      await options.onBatch(batch);
      cursor.handedOut(batch);
      // A rebalance began while the sinks worked: the partition may be another member's now, and a commit made
      // in the new generation (@platformatic/kafka commits with the current one, and rejoins to retry one the
      // broker refused) could move its committed offset back behind what the new owner handed out, leaving lag
      // nobody reads. Not committing is safe: whoever owns the partition reads the batch again, harmlessly.
      if (!member.holds(fetched.generation)) break;
      const committed = await member.commit(batch.records[batch.records.length - 1]).then(() => true, () => false);
      // The group rebalanced meanwhile: the effects are durable and guarded by watermarks, so the new owner
      // re-reading these records changes nothing. Leave the rest to it.
      if (!committed) break;
    }
    if (rewinds.size > 0 && !stopped.aborted && member.holds(fetched.generation)) await member.rewind(rewinds);
  }

  /** `--from-beginning`: the group's committed offsets are dropped, so it starts at the oldest record. */
  private async forgetGroup(group: string): Promise<void> {
    const deadline = Date.now() + SESSION_TIMEOUT_MS + 2_000;
    try {
      while ((await this.driver.deleteGroup(group)) === 'in use') {
        // Only members holding the group are running workers. A join whose answer was lost (a busy machine)
        // leaves a pending member behind that the broker drops within the session timeout: wait for that.
        if ((await this.driver.groupMembers(group)) > 0 || Date.now() > deadline) throw new GroupHasWorkersError(group);
        await sleep(500);
      }
    } catch (err) {
      throw this.asError(err);
    }
  }

  async lag(group: string): Promise<PartitionLag[]> {
    try {
      await this.ensureTopics();
      return await this.lagWith(group);
    } catch (err) {
      throw this.asError(err);
    }
  }

  private async lagWith(group: string): Promise<PartitionLag[]> {
    const [ends, committed] = await Promise.all([
      this.driver.offsets(this.settings.topic),
      this.driver.committedOffsets(group, this.settings.topic),
    ]);
    return lagOf(ends, committed);
  }

  /**
   * Dead letters are deduplicated on read: a re-seeded file or a repeated stream step appends its letters again,
   * and a topic cannot refuse a record it holds already. Counting reads the whole topic (status, deadletters).
   */
  async deadLetterCounts(): Promise<DeadLetterCounts> {
    return countDistinct(await this.readAllDeadLetters());
  }

  async readDeadLetters(limit: number): Promise<DeadLetter[]> {
    return distinctDeadLetters(await this.readAllDeadLetters()).slice(0, limit);
  }

  /** Every record of the dead-letter topic, oldest first. */
  private async readAllDeadLetters(): Promise<DeadLetter[]> {
    await this.ensureTopics();
    const ends = await this.driver.offsets(this.deadLetterTopic).catch((err) => { throw this.asError(err); });
    const records = await this.readRanges(ends.map((p) => ({ topic: this.deadLetterTopic, partition: p.partition, from: p.low, to: p.high })));
    return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset).map((r) => JSON.parse(r.value) as DeadLetter);
  }

  async health(): Promise<Health> {
    const brokers = this.settings.kafkaBrokers.join(',');
    try {
      const found = await this.driver.cluster(this.settings.topic);
      return {
        backend: 'kafka',
        ok: true,
        detail: `${found.brokers.length} broker(s) at ${brokers}; topic ${this.settings.topic}: ${found.partitions === null ? 'not created yet' : `${found.partitions} partitions`}`,
        facts: { client: this.driver.client, brokers: found.brokers, controller: found.controller, topic: this.settings.topic, partitions: found.partitions },
      };
    } catch (err) {
      return { backend: 'kafka', ok: false, detail: `${brokers}: ${this.asError(err).message}` };
    }
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  /** Creates the topics (topicsOf) when missing; once per instance. */
  ensureTopics(): Promise<void> {
    this.topicsReady ??= (async () => {
      const existing = new Set(await this.driver.listTopics());
      const missing = topicsOf(this.settings).filter((t) => !existing.has(t.topic));
      if (missing.length > 0) await this.driver.createTopics(missing);
    })().catch((err) => {
      this.topicsReady = null;
      throw this.asError(err);
    });
    return this.topicsReady;
  }

  private asError(err: unknown): Error {
    return kafkaError(err, this.settings.kafkaBrokers, this.driver.errors);
  }
}
