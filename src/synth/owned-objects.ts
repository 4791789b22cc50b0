/**
 * The synthesized objects of an app with the part of a mesh each belongs to (./../k8s/ownership.ts), as the
 * constructs that rendered them recorded it: what outputs that split a mesh (the Helm export) read.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { objectKey } from '../k8s/object-names';
import { ObjectOwner, ownerOf } from '../k8s/ownership';

export interface OwnedObject {
  /** The object as `Chart.toJson()` gives it. */
  readonly object: any;
  /** The part of a mesh it belongs to; undefined for an object no mesh rendered (one you added to the chart). */
  readonly owner?: ObjectOwner;
}

/** Every object of the app's charts, in the order of `chart.toJson()`, with its owner. */
export function ownedObjectsOf(app: App): OwnedObject[] {
  return app.charts.flatMap((chart) => {
    const owners = new Map<string, ObjectOwner | undefined>();
    for (const o of chart.node.findAll()) {
      if (!ApiObject.isApiObject(o)) continue;
      owners.set(objectKey(o.apiVersion, o.kind, o.metadata.namespace ?? Chart.of(o).namespace, o.name), ownerOf(o));
    }
    return chart.toJson().map((object: any) => {
      const owner = owners.get(objectKey(object.apiVersion, object.kind, object.metadata?.namespace, object.metadata?.name));
      return owner === undefined ? { object } : { object, owner };
    });
  });
}
