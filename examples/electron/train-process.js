// Utility-process entry (Electron 22+): the same training as training.js, in its own
// Node process, for runs whose steps are too long for the main process.
// main.js starts it with utilityProcess.fork(path.join(__dirname, 'train-process.js'));
// messages: { type: 'train', options } and { type: 'stop' } in, progress messages out.
'use strict';
const { train } = require('./training');

let controller = null;
process.parentPort.on('message', async ({ data }) => {
  if (data.type === 'stop') controller?.abort();
  if (data.type !== 'train' || controller) return;
  controller = new AbortController();
  const send = (message) => process.parentPort.postMessage(message);
  try {
    await train({ ...data.options, signal: controller.signal, onProgress: send });
  } catch (e) {
    send({ type: 'error', message: e.message });
  } finally {
    controller = null;
  }
});
