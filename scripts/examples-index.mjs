#!/usr/bin/env node
// Writes the examples index into README.md, between the markers
// <!-- examples-index:start --> and <!-- examples-index:end -->: one line per entry
// of examples/, with what it shows and the command that runs it, both read from
// the example's own header comment, so the index cannot drift from the files.
//   node scripts/examples-index.mjs          rewrite README.md
//   node scripts/examples-index.mjs --check  exit 1 if README.md is out of date
//
// Header rules: the leading `//` comment lines of a script (for a folder: of the
// file its package.json names as "main"). The first sentence is the description.
// The command is the first backquoted command in the header that names the file,
// else the rest of a line starting "Run:", else `npx tsx examples/<file>` (or
// `node` for .js), and for a folder with a start script
// `cd examples/<dir> && npm install && npm start`.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const START = '<!-- examples-index:start -->';
const END = '<!-- examples-index:end -->';
const SCRIPT = /\.(ts|mts|js|mjs|cjs)$/;

/** The leading // comment block of a file, as lines without the slashes. */
function header(path) {
  const lines = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*\/\/ ?(.*)$/.exec(line);
    if (m) lines.push(m[1]);
    else if (line.trim() === '' && lines.length === 0) continue;
    else break;
  }
  return lines;
}

/** The first sentence of the header's first paragraph. */
function description(lines, name) {
  const paragraph = [];
  for (const l of lines) {
    if (l.trim() === '') { if (paragraph.length) break; continue; }
    if (/^Run\b/.test(l.trim())) break;
    paragraph.push(l.trim());
  }
  const text = paragraph.join(' ');
  const sentence = /^(.+?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
  if (!sentence) throw new Error(`examples-index: examples/${name} has no header comment; start it with // lines saying what it shows and how to run it`);
  return sentence;
}

function command(lines, file, fallback) {
  const text = lines.join('\n');
  for (const m of text.matchAll(/`([^`]+)`/g)) if (m[1].includes(file)) return m[1];
  const run = lines.find((l) => /^\s*Run:\s*\S/.test(l));
  if (run) return run.replace(/^\s*Run:\s*/, '').trim();
  return fallback;
}

function entries() {
  const rows = [];
  for (const name of readdirSync(join(root, 'examples')).sort()) {
    const path = join(root, 'examples', name);
    if (statSync(path).isDirectory()) {
      const pkgPath = join(path, 'package.json');
      if (!existsSync(pkgPath)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
      const lines = header(join(path, pkg.main ?? 'index.js'));
      const run = pkg.scripts?.start ? `cd examples/${name} && npm install && npm start` : `cd examples/${name} && npm install && node ${pkg.main}`;
      rows.push({ link: `examples/${name}/`, label: `${name}/`, text: description(lines, name), run });
    } else if (SCRIPT.test(name)) {
      const lines = header(path);
      const runner = /\.(ts|mts)$/.test(name) ? 'npx tsx' : 'node';
      rows.push({ link: `examples/${name}`, label: name, text: description(lines, name), run: command(lines, `examples/${name}`, `${runner} examples/${name}`) });
    }
  }
  return rows;
}

function renderIndex() {
  return entries().map((r) => `- [\`${r.label}\`](${r.link}): ${r.text} \`${r.run}\``).join('\n');
}

function main() {
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const a = readme.indexOf(START), b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`examples-index: README.md needs the markers ${START} and ${END}`);
  const next = `${readme.slice(0, a + START.length)}\n${renderIndex()}\n${readme.slice(b)}`;
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('examples-index: the examples index in README.md is out of date; run `node scripts/examples-index.mjs`');
      process.exit(1);
    }
    console.log('examples-index: README.md is up to date');
    return;
  }
  if (next !== readme) writeFileSync(readmePath, next);
  console.log(`examples-index: ${entries().length} examples listed in README.md`);
}

main();
