// report.html's charts: activation x axis by the module's index in the model (as the Model
// section and the dead-ReLU line), legends not cut, validation points drawn over the train line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MonitorRecord } from '../../src/train/callbacks/gradient-monitor';
import { writeReport } from '../../src/train/report';
import type { EpochLogs, StepLogs } from '../../src/train/types';

const steps: StepLogs[] = Array.from({ length: 40 }, (_, i) => ({ epoch: i < 20 ? 0 : 1, batch: i % 20, step: i, loss: 2 / (1 + i / 10), accuracy: Math.min(0.9, 0.2 + i / 50), lr: 1e-3, samples: 8, samplesPerSecond: 100 }));
const epochs: EpochLogs[] = [0, 1].map((e) => ({ epoch: e, loss: 1, accuracy: 0.7, valLoss: 0.9 - 0.2 * e, valAccuracy: 0.75 + 0.05 * e, lr: 1e-3, seconds: 1, steps: 20 }));
// The CNN of `lattice train`: hooked modules are 0, 1, 2, 4, 5, 6, 9, 10, 12 of its Sequential.
const hooked = [[0, 'Conv2d'], [1, 'BatchNorm2d'], [2, 'ReLU'], [4, 'Conv2d'], [5, 'BatchNorm2d'], [6, 'ReLU'], [9, 'Linear'], [10, 'ReLU'], [12, 'Linear']] as const;
const monitor: MonitorRecord[] = [{
  step: 20,
  layers: [{ name: '0.weight', gradNorm: 0.3, weightNorm: 5, updateRatio: 1e-4 }],
  activations: hooked.map(([i, kind]) => ({ name: `${i} (${kind})`, mean: 0, std: 1 + i / 10, ...(kind === 'ReLU' ? { deadFraction: 0.1 } : {}) })),
}];

describe('report charts', () => {
  it('labels activations by model index, keeps legends whole and draws validation points on top', async () => {
    const html = await writeReport(join(mkdtempSync(join(tmpdir(), 'lattice-report-')), 'report.html'), { title: 't', facts: [], steps, epochs, monitor });
    const svgs = html.split('<div class="chart">').slice(1);
    const chart = (title: string) => svgs.find((s) => s.startsWith(`<h2>${title}</h2>`))!;
    const activation = chart('Activation spread per module');
    for (const [i, kind] of hooked) expect(activation).toContain(`>${i} (${kind})</text>`);
    expect(activation).toContain('module (index in the model, forward order)');
    for (const [title, train, val] of [['Loss', 'train loss (batch)', 'validation loss'], ['Accuracy', 'train accuracy (20-batch mean)', 'validation accuracy']]) {
      const svg = chart(title);
      expect(svg, title).toContain(`>${train}</text>`);
      expect(svg, title).toContain(`>${val}</text>`);
      expect(svg, title).not.toContain('…');
      // One point per epoch in the validation layer, drawn after (above) the train line.
      const trainAt = svg.indexOf('class="mark-line role-mark layer_0_marks"');
      const points = /<g class="mark-symbol role-mark layer_1_layer_1_marks"[^>]*>([\s\S]*?)<\/g>/.exec(svg);
      expect(trainAt, title).toBeGreaterThan(0);
      expect(points && svg.indexOf(points[0]) > trainAt, title).toBe(true);
      expect(points![1].match(/<path/g), title).toHaveLength(2);
    }
  });
});
