// What `adaptlab lab --queue` checks before anything loads: the queue's URL, and that the lab asks
// for nothing a queue cannot give. Workers keep no models: the coordinator retrains the one trial
// whose model it hands over (checking that it reproduces the recorded predictions), so
// `--save-models recommended` and `none` work, and `all` (every trial's model) is refused.
import { UsageError } from '../errors.js';
import type { LabOptions } from '../lab/options.js';
import { parseQueueUrl, type QueueConnection } from './connection.js';

export function checkQueuedLab(url: string, options: Pick<LabOptions, 'saveModels'>): QueueConnection {
  const connection = parseQueueUrl(url);
  if (options.saveModels === 'all') {
    throw new UsageError(
      "--save-models all keeps every trial's model, but queue workers keep none (a model can be far larger than what Redis should carry). " +
        'Use --save-models recommended (the coordinator retrains the recommended trial to hand its model over) or none with --queue, or run the lab without --queue.',
    );
  }
  return connection;
}
