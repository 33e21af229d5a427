// Rules about Dask and storage, each reported at the line a user would fix.
import { describe, expect, test } from "vitest";
import { parseConfigText } from "../src/config/document.js";
import { loadDefaultEnvironments } from "../src/config/load.js";
import { formatProblem } from "../src/config/problems.js";
import { validateDocument } from "../src/config/validate.js";

/** A valid config of three lines (password logins), so that line numbers below are plain. */
const VALID = "project_name: ds-team\nprovider: aws\ndomain: hub.example.com\n";

function validate(text: string) {
  const r = validateDocument(parseConfigText("qhub-config.yaml", text), {
    shippedEnvironments: loadDefaultEnvironments(),
  });
  return { problems: r.problems.map(formatProblem), warnings: r.warnings.map(formatProblem) };
}

describe("Dask: environments that can run a scheduler and workers", () => {
  test("an environment without dask-gateway and distributed is valid, with a warning at its dependencies", () => {
    const text = `${VALID}environments:\n  environment-ml.yaml:\n    name: ml\n    dependencies: [python, scikit-learn, dask-gateway]\n`;
    expect(validate(text)).toEqual({
      problems: [],
      warnings: [
        'qhub-config.yaml:7:5: environments["environment-ml.yaml"].dependencies: environment "ml" is not offered to Dask clusters: it lacks `distributed`. Hint: add them to its dependencies if Dask clusters should run it',
      ],
    });
  });

  test("pins, channels and pip lists count", () => {
    const text = `${VALID}environments:\n  environment-ml.yaml:\n    name: ml\n    dependencies: ["conda-forge::distributed>=2026.6", { pip: [dask_gateway==2026.3.0] }]\n`;
    expect(validate(text)).toEqual({ problems: [], warnings: [] });
  });

  test("a config whose environments replace every one that runs Dask is an error at `environments`", () => {
    const text = `${VALID}environments:\n  environment-dask.yaml:\n    name: dask\n    dependencies: [python, dask]\n`;
    expect(validate(text).problems).toEqual([
      "qhub-config.yaml:4:1: environments: no conda environment can run Dask clusters. Hint: add `dask-gateway` and `distributed` to an environment's dependencies (the scheduler and workers run from it)",
    ]);
  });

  test("a Dask worker name that is a plain number is refused (it would lose its place in the list)", () => {
    const text = `${VALID}profiles:\n  dask_worker:\n    "2": { worker_cores: 1, worker_cores_limit: 1, worker_memory: 1G, worker_memory_limit: 1G }\n`;
    expect(validate(text).problems).toEqual([
      expect.stringMatching(
        /^qhub-config\.yaml:6:5: profiles\.dask_worker\["2"\]: "2" must not be a plain number/,
      ),
    ]);
  });
});

describe("storage: what the cloud's shared file service and the cluster's classes allow", () => {
  const base = (provider: string, extra: string) =>
    `project_name: team\nprovider: ${provider}\ndomain: hub.example.com\n${extra}`;

  test("Filestore's BASIC_HDD tier starts at 1 TiB: a smaller total is an error at shared_filesystem", () => {
    const text = base(
      "gcp",
      "google_cloud_platform: { project: team-project }\nstorage:\n  type: cloud\n  shared_filesystem: 500Gi\n",
    );
    expect(validate(text).problems).toEqual([
      "qhub-config.yaml:7:22: storage.shared_filesystem: shared_filesystem and conda_store come to 560Gi; Filestore (BASIC_HDD) shares are at least 1Ti. Hint: raise shared_filesystem so that the two add up to 1Ti or more, or use `type: nfs`",
    ]);
    expect(validate(text.replace("500Gi", "964Gi")).problems).toEqual([]);
  });

  test("NFS shares of Azure Files are premium, at least 100 GiB", () => {
    const text = base("azure", "storage:\n  type: cloud\n  shared_filesystem: 20Gi\n  conda_store: 20Gi\n");
    expect(validate(text).problems).toEqual([
      "qhub-config.yaml:6:22: storage.shared_filesystem: shared_filesystem and conda_store come to 40Gi; Azure Files NFS (premium) shares are at least 100Gi. Hint: raise shared_filesystem so that the two add up to 100Gi or more, or use `type: nfs`",
    ]);
  });

  test("an existing cluster should name its StorageClass (a warning); clouds use QHub's own", () => {
    expect(validate(base("existing", "storage:\n  type: nfs\n"))).toEqual({
      problems: [],
      warnings: [
        "qhub-config.yaml:4:1: storage: the NFS server's disk and the hub's database will use the cluster's default StorageClass, and stay Pending where there is none (EKS >= 1.30). Hint: set `storage.storage_class` to one of the classes `kubectl get storageclass` lists",
      ],
    });
    expect(validate(base("existing", "storage:\n  storage_class: ceph-rbd\n")).problems).toEqual([]);
    expect(validate(base("local", "")).problems).toEqual([]);
    expect(validate(base("do", "storage:\n  storage_class: do-block-storage\n")).problems).toEqual([
      "qhub-config.yaml:5:3: storage.storage_class: is for local and existing clusters; with provider do QHub makes its own class `qhub-block`. Hint: remove `storage_class`",
    ]);
  });
});
