/**
 * The Electron example (examples/electron/) without Electron, whose binary cannot
 * be downloaded here: its main-process training code runs under plain Node against
 * an IPC stub shaped like ipcMain/webContents, with progress messages and a stop
 * through the AbortSignal; its utility-process entry with a process.parentPort stub; and the addon loads in a worker_threads worker with
 * resourceLimits (the "train in a worker" option of docs/electron.md).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

// Runs in a child node: ipcMain.handle/on and event.sender.send recorded, as Electron would call them.
const STUB = `
const { registerTraining } = require('./training.js');
const handlers = {}, listeners = {}, messages = [];
const ipcMain = { handle: (ch, fn) => { handlers[ch] = fn; }, on: (ch, fn) => { listeners[ch] = fn; } };
let stopAt = -1;
const sender = { isDestroyed: () => false, send: (ch, m) => {
  messages.push({ ch, ...m });
  if (m.type === 'step' && m.step === stopAt) listeners['lattice:stop']({});
} };
(async () => {
  registerTraining(ipcMain);
  const full = await handlers['lattice:train']({ sender }, { epochs: 1, trainLimit: 640, batchSize: 64 });
  const fullMessages = messages.splice(0);
  stopAt = 2;
  const stopped = await handlers['lattice:train']({ sender }, { epochs: 3, trainLimit: 640, batchSize: 64 });
  console.log(JSON.stringify({ full, fullMessages, stopped, stoppedMessages: messages }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** The example as a user installs it: its files next to node_modules/lattice-ml (this package). */
function exampleApp(files: string[]): string {
  const app = mkdtempSync(join(tmpdir(), 'lattice-electron-'));
  for (const f of files) copyFileSync(join(root, 'examples/electron', f), join(app, f));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'lattice-ml'), 'dir');
  return app;
}

describe('Electron example', () => {
  it("main-process training code: progress over IPC, a stop aborts after the current step", () => {
    const app = exampleApp(['training.js']);
    writeFileSync(join(app, 'stub.cjs'), STUB);
    const r = spawnSync(process.execPath, ['stub.cjs'], { cwd: app, encoding: 'utf8', env: { ...process.env, LATTICE_NUM_THREADS: '1' }, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const types = (ms: { ch: string; type: string }[]) => ms.map((m) => m.type);
    expect(out.fullMessages.every((m: { ch: string }) => m.ch === 'lattice:progress')).toBe(true);
    expect(out.fullMessages[0]).toMatchObject({ type: 'start', backend: 'native', steps: 10 });
    expect(types(out.fullMessages)).toEqual(['start', ...Array(10).fill('step'), 'epoch', 'done']);
    expect(out.full.aborted).toBe(false);
    // Ten Adam steps on 640 images: the loss falls and the epoch's running accuracy is well above chance (0.1).
    const losses = out.fullMessages.filter((m: { type: string }) => m.type === 'step').map((m: { loss: number }) => m.loss);
    expect(losses[9]).toBeLessThan(losses[0] - 0.5);
    expect(out.full.accuracy).toBeGreaterThan(0.25);
    // Stopped at step 2 of 30: fit ends after that step, resolves with aborted, no epoch summary.
    expect(out.stopped.aborted).toBe(true);
    expect(types(out.stoppedMessages)).toEqual(['start', 'step', 'step', 'step', 'done']);
  });

  it('utility-process entry: train and stop messages through process.parentPort', () => {
    const app = exampleApp(['training.js', 'train-process.js']);
    // Electron's process.parentPort, stubbed: 'message' events carry { data }, postMessage collects the progress.
    writeFileSync(join(app, 'stub.cjs'), `
      const { EventEmitter } = require('node:events');
      const port = new EventEmitter(), out = [];
      port.postMessage = (m) => {
        out.push(m);
        if (m.type === 'step' && m.step === 1) port.emit('message', { data: { type: 'stop' } });
        if (m.type === 'done') console.log(JSON.stringify(out));
      };
      process.parentPort = port;
      require('./train-process.js');
      port.emit('message', { data: { type: 'train', options: { epochs: 2, trainLimit: 256, batchSize: 64 } } });
    `);
    const r = spawnSync(process.execPath, ['stub.cjs'], { cwd: app, encoding: 'utf8', env: { ...process.env, LATTICE_NUM_THREADS: '1' }, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const messages = JSON.parse(r.stdout) as { type: string; aborted?: boolean }[];
    expect(messages.map((m) => m.type)).toEqual(['start', 'step', 'step', 'done']);
    expect(messages[3].aborted).toBe(true);
  });

  it('the addon loads and trains in a worker_threads worker with resourceLimits', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      const L = require(${JSON.stringify(join(root, 'dist/index.cjs'))});
      L.manualSeed(0);
      const model = new L.nn.Linear(4, 1);
      const opt = new L.optim.SGD(model.parameters(), { lr: 0.1 });
      const x = L.randn([32, 4]), y = x.sum(1, { keepdim: true });
      let loss = Infinity;
      for (let i = 0; i < 50; i++) { opt.zeroGrad(); const l = L.mseLoss(model.call(x), y); l.backward(); opt.step(); loss = l.item(); }
      parentPort.postMessage({ backend: L.backendInfo().backend, loss });
    `;
    const worker = new Worker(code, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 } });
    const result = await new Promise<{ backend: string; loss: number }>((ok, fail) => {
      worker.once('message', ok);
      worker.once('error', fail);
    });
    await worker.terminate();
    expect(result.backend).toBe('native');
    expect(result.loss).toBeLessThan(0.05);
  });
});
