import { App } from 'cdk8s';
import { writeManifests } from './write-manifests';

/**
 * Writes an app's manifests with the library's deterministic YAML emitter: `writeManifests` as a class, so that
 * every language reaches it (jsii has no free functions). In Python: `MeshManifests.write(app)` instead of
 * `app.synth()`.
 */
export class MeshManifests {
  /**
   * Synthesizes every chart of `app` into `outdir`, in the layout the app's `yamlOutputType` asks for and with
   * the file names `app.synth()` gives; the same validation, a fraction of the time for large meshes.
   *
   * @param app the cdk8s app
   * @param outdir the folder to write to
   * @default - the app's `outdir` (`CDK8S_OUTDIR` or `dist`)
   * @returns the files written
   */
  public static write(app: App, outdir?: string): string[] {
    return writeManifests(app, outdir);
  }

  private constructor() {}
}
