import * as fs from 'fs';
import * as path from 'path';

/** The README's "Use it in your cdk8s app" example (its first ```ts block), as written. */
export function readmeExample(): string {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in your cdk8s app'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error('README has no ```ts block under "Use it in your cdk8s app"');
  return match[1];
}

/** The README's "Use it from Python" example (its ```python block), as written. */
export function readmePythonExample(): string {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it from Python'));
  const match = /```python\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error('README has no ```python block under "Use it from Python"');
  return match[1];
}
