// The platform's namespace: everything of JupyterHub, Dask Gateway, conda-store and the shared
// storage lives in it.
import { Namespace } from "kubernetes-models/v1";
import { PART_OF_QHUB } from "../config/names.js";
import { toYaml } from "../render/emit.js";
import type { Component } from "./types.js";
import { checked } from "./kit.js";

export const namespace: Component = {
  id: "namespace",
  title: "namespace",
  layout: { configs: "namespace" },
  owns: ["namespace.yaml"],
  render(c) {
    const object = new Namespace({
      metadata: { name: c.namespace, labels: { ...PART_OF_QHUB, "qhub.dev/project": c.projectName } },
    });
    return {
      configs: {
        summary: [`namespace ${c.namespace}`],
        files: [
          {
            path: "namespace.yaml",
            content: toYaml(checked(c.name, `Namespace ${c.namespace}`, "namespace", object)),
          },
        ],
        resources: ["namespace.yaml"],
      },
    };
  },
};
