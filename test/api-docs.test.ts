import { execFileSync } from 'child_process';
import * as path from 'path';

test('docs/api.md is the API reference of the current doc comments (npm run docs:api)', () => {
  // Throws, with the script's message, when the file differs from a fresh generation.
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'generate-api-docs.js'), '--check'], { stdio: 'pipe' });
}, 60000);
