// Renderer: draws progress; it never trains (a training step here would freeze the UI).
'use strict';
const $ = (id) => document.getElementById(id);
const log = (line) => { $('log').textContent += `${line}\n`; };

window.lattice.onProgress((m) => {
  if (m.type === 'start') { $('bar').max = m.steps; log(`training on the ${m.backend} backend, ${m.steps} steps`); }
  if (m.type === 'step') { $('bar').value = m.step + 1; $('status').textContent = `step ${m.step + 1}: loss ${m.loss.toFixed(3)}`; }
  if (m.type === 'epoch') log(`epoch ${m.epoch + 1}: loss ${m.loss.toFixed(4)}, accuracy ${(100 * m.accuracy).toFixed(1)}% in ${m.seconds.toFixed(1)} s`);
  if (m.type === 'done') log(m.aborted ? 'stopped' : `done: accuracy ${(100 * m.accuracy).toFixed(1)}%`);
});

$('start').addEventListener('click', async () => {
  $('start').disabled = true;
  $('stop').disabled = false;
  try {
    await window.lattice.train({ epochs: 2 });
  } catch (e) {
    log(`error: ${e.message}`);
  } finally {
    $('start').disabled = false;
    $('stop').disabled = true;
  }
});
$('stop').addEventListener('click', () => window.lattice.stop());
