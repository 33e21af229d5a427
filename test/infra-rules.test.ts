// Rules about Dask and storage, each reported at the line a user would fix.
import { describe, expect, test } from "vitest";
import { parseConfigText } from "../src/config/document.js";
import { loadDefaultEnvironments } from "../src/config/load.js";
import { formatProblem } from "../src/config/problems.js";
import { validateDocument } from "../src/config/validate.js";
import { VALID } from "./fixtures.js";

function validate(text: string) {
  const r = validateDocument(parseConfigText("qhub-config.yaml", text), {
    environments: loadDefaultEnvironments(),
  });
  return { problems: r.problems.map(formatProblem), warnings: r.warnings.map(formatProblem) };
}

describe("Dask: environments that can run a scheduler and workers", () => {
  test("an environment without dask-gateway and distributed is valid, with a warning at its dependencies", () => {
    const text = `${VALID}environments:\n  environment-ml.yaml:\n    name: ml\n    dependencies: [python, scikit-learn, dask-gateway]\n`;
    expect(validate(text)).toEqual({
      problems: [],
      warnings: [
        'qhub-config.yaml:13:5: environments["environment-ml.yaml"].dependencies: environment "ml" is not offered to Dask clusters: it lacks `distributed`. Hint: add them to its dependencies if Dask clusters should run it',
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
      "qhub-config.yaml:10:1: environments: no conda environment can run Dask clusters. Hint: add `dask-gateway` and `distributed` to an environment's dependencies (the scheduler and workers run from it)",
    ]);
  });

  test("a Dask worker name that is a plain number is refused (it would lose its place in the list)", () => {
    const text = `${VALID}profiles:\n  dask_worker:\n    "2": { worker_cores: 1, worker_cores_limit: 1, worker_memory: 1G, worker_memory_limit: 1G }\n`;
    expect(validate(text).problems).toEqual([
      expect.stringMatching(
        /^qhub-config\.yaml:12:5: profiles\.dask_worker\["2"\]: "2" must not be a plain number/,
      ),
    ]);
  });
});
