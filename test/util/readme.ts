import * as fs from 'fs';
import * as path from 'path';

/** The first ```<language> block of the README's section `heading`, as written. */
function readmeBlock(heading: string, language: string): string {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section);
  if (match === null) throw new Error(`README has no \`\`\`${language} block under "${heading}"`);
  return match[1];
}

/** The README's "Use it in your cdk8s app" example (its first ```ts block), as written. */
export function readmeExample(): string {
  return readmeBlock('## Use it in your cdk8s app', 'ts');
}

/** The README's "Use it from Python" example (its ```python block), as written. */
export function readmePythonExample(): string {
  return readmeBlock('## Use it from Python', 'python');
}
