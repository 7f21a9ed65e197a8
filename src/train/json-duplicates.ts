/**
 * Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys
 * without a word, so a file whose header names a tensor twice would load one
 * of them silently; safetensors readers refuse such headers.
 */

function skipSpace(text: string, at: number): number {
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    at++;
  }
  return at;
}

/**
 * The first key that an object of `text` repeats, with the path of that object
 * (`header` for the top level, else the enclosing key), or null. `text` must be
 * valid JSON (run JSON.parse first): the scan relies on it.
 */
export function findDuplicateKey(text: string): { key: string; within: string } | null {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: { keys: Set<string> | null; name: string }[] = [];
  let lastKey = 'header';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') { stack.push({ keys: new Set(), name: stack.length === 0 ? 'header' : lastKey }); continue; }
    if (c === '[') { stack.push({ keys: null, name: lastKey }); continue; }
    if (c === '}' || c === ']') { stack.pop(); continue; }
    if (c !== '"') continue;
    let end = i + 1;
    while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    const top = stack[stack.length - 1];
    const next = skipSpace(text, end + 1);
    if (top?.keys && text[next] === ':') {
      const key = JSON.parse(text.slice(i, end + 1)) as string;
      if (top.keys.has(key)) return { key, within: top.name };
      top.keys.add(key);
      lastKey = key;
    }
    i = end;
  }
  return null;
}
