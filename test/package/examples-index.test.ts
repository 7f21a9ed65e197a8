// The README's examples index is generated from the examples' header comments
// (scripts/examples-index.mjs); it must list every entry of examples/ as it is now.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

describe('README examples index', () => {
  it('is up to date with examples/ (else run `npm run examples-index`)', () => {
    const r = spawnSync(process.execPath, ['scripts/examples-index.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has one line per example, each with a description and a command naming it', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const index = readme.slice(readme.indexOf('<!-- examples-index:start -->'), readme.indexOf('<!-- examples-index:end -->'));
    const lines = index.split('\n').filter((l) => l.startsWith('- '));
    const names = readdirSync(join(root, 'examples')).filter((n) => /\.(ts|mts|js|mjs|cjs)$/.test(n) || !n.includes('.')).sort();
    expect(lines).toHaveLength(names.length);
    lines.forEach((line, i) => {
      expect(line.startsWith(`- [\`${names[i]}`), names[i]).toBe(true);
      const command = /`([^`]+)`$/.exec(line)?.[1] ?? '';
      expect(command, names[i]).toContain(names[i]);
    });
  });
});
