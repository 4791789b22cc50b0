// The ending of the scripts that generate a committed file: write it, or with `--check` only compare it and
// fail naming the command that regenerates it.
'use strict';
const fs = require('fs');
const path = require('path');

function writeOrCheck(file, text, command) {
  const root = path.resolve(__dirname, '..');
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(root, file)} is out of date: run ${command}`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(file, text);
    console.log(path.relative(root, file));
  }
}

module.exports = { writeOrCheck };
