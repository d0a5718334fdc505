// Every command, in the order --help lists them. Each module exports register(program).
import type { Command } from 'commander';
import { register as init } from './init.js';
import { register as demo } from './demo.js';
import { register as generate } from './generate.js';
import { register as seed } from './seed.js';
import { register as replay } from './replay.js';
import { register as stream } from './stream.js';
import { register as status } from './status.js';
import { register as deadletters } from './deadletters.js';
import { register as dashboard } from './dashboard.js';
import { register as kibana } from './kibana.js';
import { register as train } from './train.js';
import { register as model } from './model.js';
import { register as ads } from './ads.js';
import { register as sms } from './sms.js';
import { register as es } from './es.js';

export const commands: Array<(program: Command) => void> = [
  init,
  demo,
  generate,
  seed,
  replay,
  stream,
  status,
  deadletters,
  dashboard,
  kibana,
  train,
  model,
  ads,
  sms,
  es,
];
