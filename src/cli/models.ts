/** The models `lattice train --model` builds for 28x28 single-channel images. */
import { ArgumentError } from '../errors';
import * as nn from '../nn/index';

export type ModelName = 'mlp' | 'cnn' | 'resnet';
export const MODEL_NAMES: readonly ModelName[] = ['mlp', 'cnn', 'resnet'];

/** 784-512-256-10 with BatchNorm and dropout. */
function mlp(): nn.Module {
  return new nn.Sequential(
    new nn.Flatten(),
    new nn.Linear(784, 512), new nn.BatchNorm1d(512), new nn.ReLU(), new nn.Dropout(0.2),
    new nn.Linear(512, 256), new nn.BatchNorm1d(256), new nn.ReLU(), new nn.Dropout(0.2),
    new nn.Linear(256, 10),
  );
}

/** Two conv-BN-ReLU-pool stages and a small classifier (~420k parameters). */
function cnn(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(64), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Dropout(0.25),
    new nn.Linear(128, 10),
  );
}

function basicBlock(cin: number, cout: number, stride: number): nn.Module {
  const body = new nn.Sequential(
    new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU(),
    new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout),
  );
  const shortcut = stride !== 1 || cin !== cout
    ? new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout))
    : undefined;
  return new nn.Sequential(new nn.Residual(body, shortcut ? { shortcut } : {}), new nn.ReLU());
}

/** A small ResNet: stem, three residual stages (16, 32, 64 channels), global average pooling. */
function resnet(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(16), new nn.ReLU(),
    basicBlock(16, 16, 1), basicBlock(16, 32, 2), basicBlock(32, 64, 2),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(64, 10),
  );
}

export function buildModel(name: string): nn.Module {
  switch (name) {
    case 'mlp': return mlp();
    case 'cnn': return cnn();
    case 'resnet': return resnet();
    default: throw new ArgumentError(`lattice train: unknown model '${name}' (choose ${MODEL_NAMES.join(', ')})`);
  }
}
