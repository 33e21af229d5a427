// `npm run example`: validates and renders the bundled example into example-output/, as a new user
// would, with the fake OAuth values of scripts/example-env.mjs.
import { spawnSync } from "node:child_process";
import { EXAMPLE_ENV } from "./example-env.mjs";

const run = (...args) => {
  if (process.exitCode) return;
  const r = spawnSync(process.execPath, ["dist/qhub.js", ...args], {
    stdio: "inherit",
    env: { ...process.env, ...EXAMPLE_ENV },
  });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
};
run("validate", "--config", "examples/qhub-config.yaml");
run("render", "--config", "examples/qhub-config.yaml", "--output", "example-output");
