// Electron main-process training code: trains a small MLP on Fashion-MNIST with
// lattice-ml and streams progress to the window over IPC. Plain Node, no
// Electron import: test/examples/electron.test.ts runs it with an IPC stub.
'use strict';
const { data, nn, optim, fit, crossEntropy, backendInfo, manualSeed } = require('lattice-ml');

/**
 * Registers the 'lattice:train' handler (invoke; resolves with the result) and
 * the 'lattice:stop' message (aborts after the current step) on `ipcMain`.
 * Progress goes to the calling window as 'lattice:progress' messages.
 */
function registerTraining(ipcMain) {
  let controller = null;
  ipcMain.on('lattice:stop', () => controller?.abort());
  ipcMain.handle('lattice:train', async (event, options = {}) => {
    if (controller) throw new Error('a training run is already in progress');
    controller = new AbortController();
    const send = (message) => { if (!event.sender.isDestroyed?.()) event.sender.send('lattice:progress', message); };
    try {
      return await train({ ...options, signal: controller.signal, onProgress: send });
    } finally {
      controller = null;
    }
  });
}

/** The training itself: fit() yields to the event loop between steps, so the main process keeps answering IPC. */
async function train({ epochs = 1, trainLimit = 6000, batchSize = 64, seed = 0, signal, onProgress = () => {} } = {}) {
  manualSeed(seed);
  const { train: trainSet } = data.loadFashionMnist();
  const n = Math.min(trainLimit, trainSet.labels.size);
  const subset = new data.Subset(new data.TensorDataset(trainSet.images, trainSet.labels), Int32Array.from({ length: n }, (_, i) => i));
  const loader = new data.DataLoader(subset, { batchSize, shuffle: true, seed });
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  onProgress({ type: 'start', backend: backendInfo().backend, steps: epochs * loader.length });
  const progress = {
    onBatchEnd(ctx, logs) {
      onProgress({ type: 'step', step: logs.step, epoch: logs.epoch, loss: logs.loss, accuracy: logs.accuracy, total: ctx.epochs * (ctx.stepsPerEpoch ?? 0) });
    },
    onEpochEnd(_ctx, logs) {
      onProgress({ type: 'epoch', epoch: logs.epoch, loss: logs.loss, accuracy: logs.accuracy, seconds: logs.seconds });
    },
  };
  const history = await fit(model, {
    optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
    loss: (out, y) => crossEntropy(out, y),
    trainData: loader, epochs, callbacks: [progress], signal,
  });
  const last = history.epochs[history.epochs.length - 1];
  const result = { aborted: history.aborted, epochs: history.epochs.length, loss: last?.loss ?? NaN, accuracy: last?.accuracy ?? NaN };
  onProgress({ type: 'done', ...result });
  return result;
}

module.exports = { registerTraining, train };
