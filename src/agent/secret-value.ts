import { MeshValidationError } from '../model/errors';
import { requireDnsSubdomain, requireSecretKey } from '../model/validation';
import { brand } from '../schema/brand';

/**
 * A secret an agent reads from its environment (LLM vendor keys, tokens). Reference an existing Secret with
 * `SecretValue.fromSecretKey`; `SecretValue.unsafePlainText` puts the value into the synthesized YAML, which
 * ends up in Git, so it is refused unless the agent sets `allowPlainTextSecrets`.
 */
export abstract class SecretValue {
  /** Made by the static factories only. */
  protected constructor() {}

  public static fromSecretKey(secretName: string, key: string): SecretValue {
    return brand(new SecretKeyValue(secretName, key), { className: 'SecretValue', factory: 'fromSecretKey' });
  }

  public static unsafePlainText(value: string): SecretValue {
    return brand(new PlainTextValue(value), { className: 'SecretValue', factory: 'unsafePlainText' });
  }

  /** @internal */
  public abstract _resolve(field: string, allowPlainText: boolean): { secretName?: string; key?: string; plainText?: string };
}

class SecretKeyValue extends SecretValue {
  constructor(private readonly secretName: string, private readonly key: string) {
    super();
  }

  public _resolve(field: string) {
    requireDnsSubdomain(`${field}.secretName`, this.secretName);
    requireSecretKey(`${field}.key`, this.key);
    return { secretName: this.secretName, key: this.key };
  }
}

class PlainTextValue extends SecretValue {
  constructor(private readonly value: string) {
    super();
  }

  public _resolve(field: string, allowPlainText: boolean) {
    if (!allowPlainText) {
      throw new MeshValidationError(field, '<redacted>', 'is a plain-text secret, which would be written into the synthesized YAML (and so into Git)',
        'reference an existing Secret with SecretValue.fromSecretKey(secretName, key), or set allowPlainTextSecrets: true on the agent if this is a throwaway environment');
    }
    return { plainText: this.value };
  }
}

/** An environment variable whose value is secret. */
export interface SecretEnvVar {
  /** Variable name, e.g. "ANTHROPIC_API_KEY". */
  readonly name: string;
  readonly value: SecretValue;
}

/** A plain environment variable. Values that look like secrets belong in `secretEnv`. */
export interface EnvVar {
  readonly name: string;
  readonly value: string;
}
