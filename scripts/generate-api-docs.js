#!/usr/bin/env node
// Writes docs/api.md: every class, interface and enum that src/index.ts exports, with its doc comment, and
// for props interfaces each property's type, default and description. `--check` only compares.
'use strict';
const path = require('path');
const { writeOrCheck } = require('./write-or-check');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'docs', 'api.md');

function generate() {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram([path.join(root, 'src', 'index.ts')], config.options);
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(path.join(root, 'src', 'index.ts')));
  const exported = checker.getExportsOfModule(index)
    .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s))
    .filter((s) => s.declarations && s.declarations.some((d) => ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d) || ts.isEnumDeclaration(d)))
    .sort((a, b) => a.getName().localeCompare(b.getName()));

  const doc = (symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).replace(/\s*\n\s*/g, ' ').trim();
  const tag = (symbol, name) => {
    const t = symbol.getJsDocTags(checker).find((x) => x.name === name);
    return t ? ts.displayPartsToString(t.text).trim() : undefined;
  };
  const cell = (text) => (text || '').replace(/\|/g, '\\|');
  const lines = ['# API reference', '', 'Generated from the doc comments by `scripts/generate-api-docs.js` (`npm run docs:api`); do not edit.', ''];
  for (const symbol of exported) {
    const decl = symbol.declarations.find((d) => ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d) || ts.isEnumDeclaration(d));
    const kind = ts.isClassDeclaration(decl) ? 'class' : ts.isInterfaceDeclaration(decl) ? 'interface' : 'enum';
    if (tag(symbol, 'internal') !== undefined) continue;
    lines.push(`## ${symbol.getName()} (${kind})`, '');
    if (doc(symbol)) lines.push(doc(symbol), '');
    if (kind === 'enum') {
      lines.push('| member | meaning |', '|---|---|');
      for (const m of decl.members) {
        const ms = checker.getSymbolAtLocation(m.name);
        lines.push(`| \`${ms.getName()}\` | ${cell(doc(ms))} |`);
      }
      lines.push('');
      continue;
    }
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    const props = checker.getPropertiesOfType(type).filter((p) => {
      const d = p.valueDeclaration ?? p.declarations?.[0];
      if (!d || tag(p, 'internal') !== undefined || p.getName().startsWith('_')) return false;
      const mods = ts.getCombinedModifierFlags(d);
      return !(mods & ts.ModifierFlags.Private) && !(mods & ts.ModifierFlags.Protected);
    });
    if (props.length > 0) {
      lines.push('| property | type | default | description |', '|---|---|---|---|');
      for (const p of props) {
        const d = p.valueDeclaration ?? p.declarations[0];
        const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
        const typeText = checker.typeToString(checker.getTypeOfSymbolAtLocation(p, d)).replace(/ \| undefined$/, '');
        const dflt = tag(p, 'default') ?? (optional ? '' : (kind === 'interface' ? '**required**' : ''));
        lines.push(`| \`${p.getName()}\` | \`${cell(typeText)}\` | ${cell(dflt)} | ${cell(doc(p))} |`);
      }
      lines.push('');
    }
  }
  return lines.join('\n') + '\n';
}

const text = generate();
writeOrCheck(out, text, 'npm run docs:api');
