#!/usr/bin/env node
/**
 * The `lattice` command. Argument parsing by commander (well kept, typed,
 * generates --help), the commands themselves in train.ts / evaluate.ts.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { version } from '../../package.json';
import '../index';
import { ArgumentError, LatticeError } from '../errors';
import { evaluateCommand } from './evaluate';
import { DIAGNOSE_MODELS, diagnoseCommand } from './diagnose';
import { MODEL_NAMES } from './models';
import { runStabilityShowcase } from './showcase';
import { TRAIN_DEFAULTS, trainCommand } from './train';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${v}'`);
    return n;
  };
}

function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got '${v}'`);
    return n;
  };
}

export function buildProgram(): Command {
  // exitOverride: commander throws instead of calling process.exit, so main() decides the exit code (2 for a usage error).
  // Set before the subcommands are added, which inherit it.
  const program = new Command('lattice').description('Lattice: training for Node.js, with a training-stability toolkit')
    .version(version, '-V, --version', 'print the lattice-ml version')
    .exitOverride();
  program.command('train')
    .description('train a model on Fashion-MNIST and write a run folder (metrics.jsonl, checkpoint.safetensors, report.html)')
    .option('--model <name>', `model: ${MODEL_NAMES.join(' | ')}`, TRAIN_DEFAULTS.model)
    .option('--epochs <n>', 'epochs', int('--epochs'), TRAIN_DEFAULTS.epochs)
    .option('--batch-size <n>', 'batch size', int('--batch-size'), TRAIN_DEFAULTS.batchSize)
    .option('--optimizer <name>', 'adam | adamw | sgd', TRAIN_DEFAULTS.optimizer)
    .option('--lr <x>', 'peak learning rate of the one-cycle schedule (default 3e-3 for Adam(W), 0.05 for SGD)', num('--lr'))
    .option('--weight-decay <x>', 'weight decay', num('--weight-decay'))
    .option('--clip-grad-norm <x>', 'clip the global gradient norm', num('--clip-grad-norm'))
    .option('--accumulate <n>', 'sum the gradients of n batches per optimizer step', int('--accumulate'))
    .option('--ema <decay>', 'keep an exponential moving average of the weights (e.g. 0.999) and end with it', num('--ema'))
    .option('--augment', 'random flips and padded crops', false)
    .option('--seed <n>', 'random seed', int('--seed'), TRAIN_DEFAULTS.seed)
    .option('--out <dir>', 'run folder (default runs/<timestamp>)')
    .option('--train-limit <n>', 'use only the first n training images', int('--train-limit'))
    .option('--test-limit <n>', 'use only the first n test images', int('--test-limit'))
    .option('--threads <n>', 'native threads', int('--threads'))
    .option('--data-dir <dir>', 'folder with the Fashion-MNIST .gz files')
    .option('--no-progress', 'no progress bar')
    .option('--resume <dir>', 'carry on an interrupted run from its folder, with its own options (--threads, --data-dir and --no-progress may differ)')
    .action(async (o) => {
      // Ctrl-C stops after the current step and says how to resume; a second Ctrl-C quits at once.
      const controller = new AbortController();
      const onSigint = (): void => {
        if (controller.signal.aborted) process.exit(130);
        console.error('lattice train: stopping after this step (Ctrl-C again to quit now)');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const summary = await trainCommand({ ...TRAIN_DEFAULTS, ...o }, undefined, { signal: controller.signal });
        if (summary.interrupted) process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
  program.command('evaluate')
    .description('reload a checkpoint and report test accuracy')
    .requiredOption('--checkpoint <path>', 'checkpoint.safetensors of a run')
    .option('--model <name>', 'model (default: the one recorded in the checkpoint)')
    .option('--data-dir <dir>', 'folder with the Fashion-MNIST .gz files')
    .action(async (o) => {
      await evaluateCommand(o);
    });
  program.command('diagnose')
    .description('one forward/backward pass with per-layer statistics and findings in words')
    .option('--model <name>', `model: ${DIAGNOSE_MODELS.join(' | ')}`, 'cnn')
    .option('--seed <n>', 'random seed', int('--seed'), 0)
    .option('--batch-size <n>', 'images in the sample batch', int('--batch-size'), 128)
    .option('--out <dir>', 'folder for the chart (default runs/diagnose-<model>)')
    .action(async (o) => {
      await diagnoseCommand(o);
    });
  program.command('showcase')
    .description("the stability showcase: 'stability' trains the 64-layer MLP variants a-f of bench workload W4 (docs/bench-workloads.md)")
    .argument('<name>', 'stability')
    .option('--variants <list>', 'comma-separated subset of a,b,c,d,e,f', 'a,b,c,d,e,f')
    .option('--steps <n>', 'SGD steps per variant', int('--steps'), 300)
    .option('--seed <n>', 'random seed', int('--seed'), 0)
    .option('--out <dir>', 'report folder', 'runs/showcase-stability')
    .action(async (name: string, o) => {
      if (name !== 'stability') throw new ArgumentError(`lattice showcase: unknown showcase '${name}' (only 'stability')`);
      await runStabilityShowcase({ variants: o.variants.split(','), steps: o.steps, seed: o.seed, out: o.out });
    });
  return program;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    // --help and --version end here too, with commander's exit code 0; a usage error was already printed on one line.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof LatticeError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

// Run when executed directly (node dist/cli.js, tsx src/cli/main.ts), not when imported by tests.
const entry = process.argv[1] ?? '';
if (/(^|[\\/])(main\.ts|cli\.(c?js|mjs))$/.test(entry) || entry.endsWith('lattice')) {
  main().then((code) => { process.exitCode = code; });
}
