// Models of custom resources no @kubernetes-models package has, from their CRDs' schemas kept as
// data (crds/, each with its source and date): built and validated as the typed models are.
import { createRequire } from "node:module";
import type * as AjvModule from "ajv";
import type { ValidateFunction } from "ajv";
import aksNodeClassSchema from "./crds/aks-node-class.v1beta1.schema.json" with { type: "json" };

/**
 * A model of a custom resource from its CRD's schema (JSON Schema, kept as data with its source):
 * the object as given, and validate() against the schema (compiled once, on first use).
 */
function crdModel(apiVersion: string, kind: string, schema: object) {
  let compiled: ValidateFunction | undefined;
  return class {
    static readonly apiVersion = apiVersion;
    static readonly kind = kind;
    constructor(data: Record<string, unknown>) {
      Object.assign(this, { apiVersion, kind }, data);
    }
    toJSON(): Record<string, unknown> {
      return Object.fromEntries(Object.entries(this));
    }
    validate(): void {
      // ajv is required here, when such an object is first validated, not at every start.
      const { Ajv } = createRequire(import.meta.url)("ajv") as typeof AjvModule;
      compiled ??= new Ajv({ strict: false, allErrors: true }).compile(schema);
      if (compiled(this)) return;
      const errors = (compiled.errors ?? []).map((e) => `data${e.instancePath} ${e.message ?? e.keyword}`);
      throw new Error(errors.join(", "));
    }
  };
}

/** AKS node auto-provisioning's node class (Azure's Karpenter provider), from its CRD (crds/). */
export const AKSNodeClass = crdModel("karpenter.azure.com/v1beta1", "AKSNodeClass", aksNodeClassSchema);
