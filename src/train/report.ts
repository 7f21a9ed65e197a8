/**
 * report.html: a self-contained page with the run's charts, drawn by
 * Vega-Lite and rendered to static SVG in Node, so the page needs no script
 * and no network to view.
 */
import { writeFileSync } from 'node:fs';
import type { MonitorRecord } from './callbacks/gradient-monitor';
import type { EpochLogs, StepLogs } from './types';

type Spec = Record<string, unknown>;

/** Renders a Vega-Lite spec to an SVG string (vega is ESM with top-level await, so it is imported lazily). */
export async function renderSvg(spec: Spec): Promise<string> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const compiled = vl.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v5.json', ...spec } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** What `writeReport` draws: facts, step and epoch logs, monitor records, notes. @example `await writeReport('report.html', { title, facts, steps, epochs })` */
export interface ReportInput {
  title: string;
  /** Key facts shown as a table at the top (model, epochs, accuracy, time, backend ...). */
  facts: [string, string][];
  steps: StepLogs[];
  epochs: EpochLogs[];
  monitor?: MonitorRecord[];
  /** Free text blocks (gradient-health summary, warnings). */
  notes?: [string, string][];
  /** Extra charts: [title, vega-lite spec]. */
  extraCharts?: [string, Spec][];
}

type Point = { step: number; value: number; series: string };

/**
 * Train curve and validation points in one chart: the validation series is a
 * second layer drawn on top with large filled points (one per epoch), so the
 * dense train line cannot hide it; the legend sits below the plot, where long
 * series names fit without being cut.
 */
function trainValSpec(train: Point[], val: Point[], yTitle: string, yScale: Spec = {}): Spec {
  const x = { field: 'step', type: 'quantitative', title: 'step' };
  const y = { field: 'value', type: 'quantitative', title: yTitle, scale: yScale };
  const color = { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400 } };
  return {
    width: 520, height: 240,
    layer: [
      { data: { values: train }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color } },
      { data: { values: val }, mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 70, stroke: 'white', strokeWidth: 1 } }, encoding: { x, y, color } },
    ],
  };
}

/** Validation rows sit at the last step of their epoch. */
function validationPoints(epochs: EpochLogs[], key: 'valLoss' | 'valAccuracy', series: string): Point[] {
  let before = 0;
  const rows: Point[] = [];
  for (const e of epochs) {
    before += e.steps;
    const v = e[key];
    if (v !== undefined && Number.isFinite(v)) rows.push({ step: before - 1, value: v, series });
  }
  return rows;
}

function lossSpec(steps: StepLogs[], epochs: EpochLogs[]): Spec {
  const train = steps.filter((s) => Number.isFinite(s.loss)).map((s) => ({ step: s.step, value: s.loss, series: 'train loss (batch)' }));
  return trainValSpec(train, validationPoints(epochs, 'valLoss', 'validation loss'), 'loss');
}

function accuracySpec(steps: StepLogs[], epochs: EpochLogs[]): Spec {
  // Per-batch accuracy is noisy: show a moving average over 20 batches.
  const window = 20;
  const train: Point[] = [];
  let acc = 0;
  const buf: number[] = [];
  for (const s of steps) {
    if (s.accuracy === undefined) continue;
    buf.push(s.accuracy);
    acc += s.accuracy;
    if (buf.length > window) acc -= buf.shift()!;
    train.push({ step: s.step, value: acc / buf.length, series: 'train accuracy (20-batch mean)' });
  }
  return trainValSpec(train, validationPoints(epochs, 'valAccuracy', 'validation accuracy'), 'accuracy', { zero: false });
}

function gradNormSpec(monitor: MonitorRecord[]): Spec {
  const rows = monitor.flatMap((r) => r.layers.filter((l) => l.gradNorm > 0 && Number.isFinite(l.gradNorm)).map((l) => ({ step: r.step, layer: l.name, norm: l.gradNorm })));
  const order = monitor[0]?.layers.map((l) => l.name) ?? [];
  return {
    width: 520, height: 260, data: { values: rows }, mark: { type: 'line', strokeWidth: 1.2 },
    encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'norm', type: 'quantitative', scale: { type: 'log' }, title: 'weight-gradient norm (log)' }, color: { field: 'layer', type: 'nominal', sort: order, legend: { columns: 1, labelLimit: 160 } } },
  };
}

/** Layer x step heat map of log10 gradient norms (issue: gradient flow over time). */
export function gradientHeatmapSpec(monitor: MonitorRecord[]): Spec {
  const order = monitor[0]?.layers.map((l) => l.name) ?? [];
  const rows = monitor.flatMap((r) => r.layers.map((l) => ({ step: r.step, layer: l.name, log10norm: l.gradNorm > 0 && Number.isFinite(l.gradNorm) ? Math.log10(l.gradNorm) : -12 })));
  return {
    width: 520, height: Math.max(120, Math.min(640, order.length * 9)), data: { values: rows }, mark: 'rect',
    encoding: {
      x: { field: 'step', type: 'ordinal', axis: { labelOverlap: true, labelAngle: 0 } },
      y: { field: 'layer', type: 'ordinal', sort: order, axis: order.length > 30 ? { labels: false, title: `layers (${order.length}, input at top)` } : { title: 'layer' } },
      color: { field: 'log10norm', type: 'quantitative', title: 'log10 grad norm', scale: { scheme: 'viridis' } },
    },
  };
}

/**
 * Activation std per hooked module at the last sample, on the x axis by the
 * module's name in the model (its Sequential index path, e.g. "2" or
 * "3.body.1"), the same names the Model section and the dead-ReLU line use.
 */
function activationSpec(monitor: MonitorRecord[]): Spec {
  const last = monitor[monitor.length - 1];
  const rows = (last?.activations ?? []).map((a) => ({ layer: a.name, std: a.std }));
  return {
    width: 520, height: 200, data: { values: rows },
    layer: [
      {
        mark: { type: 'bar', opacity: 0.7 },
        encoding: {
          x: { field: 'layer', type: 'ordinal', sort: null, title: 'module (index in the model, forward order)', axis: { labels: rows.length <= 40, labelAngle: -45, labelLimit: 140 } },
          y: { field: 'std', type: 'quantitative', title: 'activation std (last sample)' },
          tooltip: [{ field: 'layer' }, { field: 'std' }],
        },
      },
    ],
  };
}

/** ε spent per step, for differentially private runs. */
function epsilonSpec(steps: StepLogs[]): Spec {
  const values = steps.filter((s) => s.epsilon !== undefined).map((s) => ({ step: s.step, epsilon: s.epsilon }));
  return {
    width: 520, height: 200, data: { values }, mark: { type: 'line', strokeWidth: 1.5 },
    encoding: { x: { field: 'step', type: 'quantitative', title: 'step' }, y: { field: 'epsilon', type: 'quantitative', title: 'ε spent' } },
  };
}

/**
 * Writes the report. Returns the HTML.
 * @example `await writeReport('runs/a/report.html', { title: 'Fashion-MNIST CNN', facts, steps, epochs, monitor: gm.records })`
 */
export async function writeReport(path: string, input: ReportInput): Promise<string> {
  const charts: [string, Spec][] = input.steps.length || input.epochs.length
    ? [['Loss', lossSpec(input.steps, input.epochs)], ['Accuracy', accuracySpec(input.steps, input.epochs)]]
    : [];
  if (input.monitor?.length) {
    charts.push(['Per-layer gradient norms over time', gradNormSpec(input.monitor)]);
    charts.push(['Gradient flow: layer × step heat map', gradientHeatmapSpec(input.monitor)]);
    charts.push(['Activation spread per module', activationSpec(input.monitor)]);
  }
  if (input.steps.some((s) => s.epsilon !== undefined)) charts.push(['Privacy budget: ε spent over steps', epsilonSpec(input.steps)]);
  charts.push(...(input.extraCharts ?? []));
  const svgs = await Promise.all(charts.map(([, spec]) => renderSvg(spec)));
  const facts = input.facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  const notes = (input.notes ?? []).map(([t, body]) => `<h2>${esc(t)}</h2><pre>${esc(body)}</pre>`).join('');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1200px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}th,td{padding:3px 10px;text-align:left;border-bottom:1px solid #ddd}th{color:#555;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:24px}.chart{border:1px solid #eee;padding:8px}pre{background:#f7f7f7;padding:10px;overflow-x:auto}</style>
</head><body><h1>${esc(input.title)}</h1><table>${facts}</table>
<div class="charts">${charts.map(([t], i) => `<div class="chart"><h2>${esc(t)}</h2>${svgs[i]}</div>`).join('')}</div>
${notes}<p style="color:#888">Generated by Lattice; charts by Vega-Lite, rendered to static SVG.</p></body></html>`;
  writeFileSync(path, html);
  return html;
}
