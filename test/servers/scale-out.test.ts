// Scaling out on Kafka + Redis, end to end through the CLI: 3 partitions, 2 `stream` workers in one group,
// one of them killed with SIGKILL half way and restarted. Once the group is idle, interests, profile totals,
// targets, ad decisions and SMS equal a clean single-worker run of the same generated data, and the topic
// holds every event once. The embedded default gives the same answers for the same data.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sleep } from '../../src/lib/sleep.js';
import { tempDir } from '../support/fixtures.js';

const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
const redisUrl = process.env.MUSICFLOW_REDIS_URL;
const skip = !brokers || !redisUrl ? 'MUSICFLOW_KAFKA_BROKERS / MUSICFLOW_REDIS_URL unset: start the stack with `npm run stack:up` (npm test does)' : false;
const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const EVENTS = 200_000;

interface Run { env: NodeJS.ProcessEnv; topic: string }

function newRun(): Run {
  const id = randomUUID().slice(0, 8);
  const topic = `musicflow.scale.${id}`;
  return {
    topic,
    env: {
      ...process.env, MUSICFLOW_TOPIC: topic, MUSICFLOW_PARTITIONS: '3', MUSICFLOW_REDIS_PREFIX: `musicflow:scale:${id}:`,
      MUSICFLOW_GROUP: `scale-${id}`, MUSICFLOW_HOME: tempDir('musicflow-scale-'),
    },
  };
}

function musicflow(run: Run, ...args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { env: run.env, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `musicflow ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function worker(run: Run, untilIdle: boolean): { child: ChildProcess; done: Promise<Record<string, unknown> | null> } {
  const child = spawn(process.execPath, [cli, 'stream', '--json', ...(untilIdle ? ['--until-idle'] : [])], { env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.resume();
  const done = new Promise<Record<string, unknown> | null>((resolve) => {
    child.on('close', (code) => resolve(code === 0 && out.trim() ? JSON.parse(out.trim().split('\n').pop()!) : null));
  });
  return { child, done };
}

/** What must not depend on how many workers ran or how often one died. */
function outcome(run: Run): Record<string, unknown> {
  const status = musicflow(run, 'status') as { counts: Record<string, number>; lag: number };
  return {
    lag: status.lag,
    eventsProcessed: status.counts.eventsProcessed,
    profiles: status.counts.profiles,
    interests: status.counts.interests,
    targeted: status.counts.targetedCustomers,
    adDecisions: status.counts.adDecisions,
    sms: status.counts.smsQueued,
  };
}

describe('scale-out on Kafka + Redis (the test stack)', { skip, timeout: 600_000 }, () => {
  it('2 workers, one SIGKILLed half way and restarted, give the result of one clean worker; the topic holds every event once', { timeout: 600_000 }, async () => {
    const data = tempDir('musicflow-scale-data-');
    const gen = newRun();
    musicflow(gen, 'generate', '--events', String(EVENTS), '--seed', '11', '--out', data);
    const files = { customers: join(data, 'cust.csv'), music: join(data, 'music.csv'), clicks: join(data, 'clicks.csv'), tracks: join(data, 'tracks.csv') };
    const half = String(EVENTS / 2);

    // Both runs: first half streamed, model trained and deployed, second half streamed (where targeting acts).
    const prepare = (run: Run) => {
      musicflow(run, 'seed', '--customers', files.customers, '--music', files.music, '--clicks', files.clicks);
      musicflow(run, 'replay', '--file', files.tracks, '--limit', half);
    };
    const trainAndReplayRest = (run: Run) => {
      const model = musicflow(run, 'train', '--threshold', '0.5', '--seed', '3') as { deployed: boolean };
      assert.equal(model.deployed, true);
      const rest = musicflow(run, 'replay', '--file', files.tracks) as { events_sent: number; resumed_after_line: number };
      assert.deepEqual([rest.events_sent, rest.resumed_after_line], [EVENTS / 2, EVENTS / 2], 'resumes after the first half');
    };

    const clean = newRun();
    prepare(clean);
    musicflow(clean, 'stream', '--until-idle');
    trainAndReplayRest(clean);
    musicflow(clean, 'stream', '--until-idle');
    const expected = outcome(clean);
    assert.equal(expected.eventsProcessed, EVENTS);
    assert.equal(expected.lag, 0);
    assert.ok((expected.interests as number) > 0 && (expected.adDecisions as number) > 0);

    // The embedded default, same data, same steps: the same answers (one pipeline, two deployments).
    const embedded = newRun();
    delete embedded.env.MUSICFLOW_KAFKA_BROKERS;
    delete embedded.env.MUSICFLOW_REDIS_URL;
    prepare(embedded);
    musicflow(embedded, 'stream', '--until-idle');
    trainAndReplayRest(embedded);
    musicflow(embedded, 'stream', '--until-idle');
    assert.deepEqual(outcome(embedded), expected);

    const scaled = newRun();
    prepare(scaled);
    musicflow(scaled, 'stream', '--until-idle');
    trainAndReplayRest(scaled);
    const survivor = worker(scaled, true);
    const victim = worker(scaled, false);
    // Kill one worker once about half of the second half is processed.
    for (let i = 0; i < 600; i++) {
      const processed = (musicflow(scaled, 'status') as { counts: { eventsProcessed: number } }).counts.eventsProcessed;
      if (processed >= EVENTS * 0.75) break;
      await sleep(200);
    }
    victim.child.kill('SIGKILL');
    assert.equal(await victim.done, null, 'the killed worker reports nothing');
    const restarted = worker(scaled, true);
    const [a, b] = await Promise.all([survivor.done, restarted.done]);
    assert.ok(a && b, 'both remaining workers end cleanly once the group is idle');
    assert.deepEqual(outcome(scaled), expected);

    const kcat = spawnSync('kcat', ['-C', '-b', brokers!, '-t', scaled.topic, '-e', '-q', '-f', '%s\n'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (kcat.error) {
      assert.fail('kcat is needed to read the topic back: apt-get install kcat');
    }
    const ids = kcat.stdout.trim().split('\n').map((line) => line.split(',')[0]);
    assert.equal(ids.length, EVENTS, 'every replayed event is in the topic');
    assert.equal(new Set(ids).size, EVENTS, 'and only once');
  });
});
