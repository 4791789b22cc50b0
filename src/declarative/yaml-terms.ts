/**
 * The constructs' fixes speak TypeScript (`Duration.seconds(10)`, `RegistryStorage.postgres(...)`,
 * `ServiceMesh.ISTIO`). A YAML user gets the same fix in the terms of the file: `"10s"`, `{ postgres: ... }`,
 * `"istio"`.
 */
import { AdvertiseMode } from '../model/mesh-model';
import { LogLevel } from '../model/runtime';
import { ServiceMesh } from '../model/service-mesh';
import { OtlpProtocol } from '../observability/tracing';
import { VolumeAccessMode } from '../registry/registry-storage';
import { SecretStoreKind } from '../security/external-secrets-props';
import { CLASS_MAPPINGS } from './mappings';

const ENUMS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  AdvertiseMode, LogLevel, ServiceMesh, OtlpProtocol, VolumeAccessMode, SecretStoreKind,
};

/** A call `Class.factory(args)`, args with at most one level of nested parentheses. */
const CALL = /\b([A-Z][A-Za-z]+)\.([a-zA-Z]+)\(((?:[^()]|\([^()]*\))*)\)/g;

export function inYamlTerms(text: string): string {
  return text
    .replace(/\bDuration\.(seconds|minutes|hours)\((\d+|n)\)/g, (_, unit: string, n: string) => `"${n === 'n' ? '<n>' : n}${unit[0]}"`)
    .replace(CALL, (all, className: string, factory: string, args: string) => {
      for (const mapping of CLASS_MAPPINGS) {
        const matches = mapping.kind === 'inline' ? mapping.className === className : mapping.name === className;
        if (!matches || mapping.kind === 'duration') continue;
        if (mapping.kind === 'preset') return mapping.presets.includes(factory) ? `"${factory}"` : all;
        const choice = mapping.choices.find((c) => c.factory === factory);
        if (choice === undefined) return all;
        const value = args.trim() === '' || args.trim() === '...' ? '{ ... }' : args.trim().startsWith('{') ? args.trim() : `{ ${args.trim()} }`;
        return mapping.kind === 'inline' ? `${choice.key}: ${value}` : `{ ${choice.key}: ${value} }`;
      }
      return all;
    })
    .replace(/\b([A-Z][A-Za-z]+)\.([A-Z][A-Z0-9_]*)\b/g, (all, enumName: string, member: string) => {
      const value = ENUMS[enumName]?.[member];
      return value === undefined ? all : `"${value}"`;
    });
}
