// TypeDoc plugin: the TSDoc in src/ writes one-line examples as `@example \`code\``
// (readable in an editor's hover). TypeDoc shows an @example without a fenced block
// as code verbatim, backquotes included; this strips the one pair of backquotes so
// the reference shows the code itself. Loaded by typedoc.json ("plugin").
import { Converter } from 'typedoc';

const INLINE = /^```(\w*)\n`([^`\n]+)`\n```$/;

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const reflection of Object.values(context.project.reflections)) {
      const comments = [reflection.comment, ...(reflection.signatures ?? []).map((s) => s.comment)];
      for (const comment of comments) {
        for (const tag of comment?.blockTags ?? []) {
          if (tag.tag !== '@example') continue;
          for (const part of tag.content) {
            const m = part.kind === 'code' ? INLINE.exec(part.text) : null;
            if (m) part.text = `\`\`\`${m[1] || 'ts'}\n${m[2]}\n\`\`\``;
          }
        }
      }
    }
  });
}
