import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseConfigText } from "../src/config/document.js";
import { formatProblem, formatWarning } from "../src/config/problems.js";
import { unsetVariables, validateDocument } from "../src/config/validate.js";
import { VALID } from "./fixtures.js";
import { problemLines, ROOT, runMain, tempDir } from "./helpers.js";

/** An AWS GPU node group and a JupyterLab profile on it (lines of the config, after VALID). */
const GPU_PROFILE = [
  "amazon_web_services:",
  "  node_groups:",
  "    gpu: { instance: g4dn.xlarge, min_nodes: 0, max_nodes: 2, gpu: true }",
  "profiles:",
  "  jupyterlab:",
  "    - display_name: GPU",
  "      node_group: gpu",
];

describe("qhub validate: the three errors users hit most", () => {
  test("a typo'd key: one line, the key's position, the closest valid key", () => {
    expect(problemLines(`${VALID}namespce: dev\n`)).toEqual([
      'qhub-config.yaml:11:1: namespce: unknown key "namespce". Hint: did you mean "namespace"?',
    ]);
  });

  test("a wrong enum value: one line, the value's position, the allowed values and the closest", () => {
    expect(problemLines(`${VALID}certificate:\n  type: letsencrypt\n`)).toEqual([
      'qhub-config.yaml:12:9: certificate.type: "letsencrypt" is not one of: self-signed, lets-encrypt, existing, disabled. Hint: did you mean "lets-encrypt"?',
    ]);
    expect(problemLines(VALID.replace("type: GitHub", "type: github"))).toEqual([
      'qhub-config.yaml:6:11: security.authentication.type: "github" is not one of: password, GitHub, Auth0. Hint: did you mean "GitHub"?',
    ]);
  });

  test("a literal client secret: one line, how to fix it, and the value is never echoed", () => {
    const text = VALID.replace("{ fromEnv: GITHUB_CLIENT_SECRET }", "s3cr3t-value-123");
    const lines = problemLines(text);
    expect(lines).toEqual([
      "qhub-config.yaml:9:22: security.authentication.config.client_secret: a secret value is written in the config; secrets are never stored in qhub-config.yaml. Hint: replace it with `client_secret: { fromEnv: GITHUB_CLIENT_SECRET }`, export GITHUB_CLIENT_SECRET with the value when you run qhub, and remove the value from the file and its history",
    ]);
    const all = JSON.stringify(validateDocument(parseConfigText("qhub-config.yaml", text)));
    expect(all).not.toContain("s3cr3t");
  });
});

describe("YAML-level problems, each with a position", () => {
  test.each([
    [
      "duplicate keys",
      "a: 1\na: 2\n",
      'qhub-config.yaml:2:1: YAML error: duplicate key "a". Hint: keep one of the two keys; YAML mappings cannot repeat a key.',
    ],
    [
      "a tab as indentation",
      "project_name: x\n\tprovider: aws\n",
      "qhub-config.yaml:2:1: YAML error: Tabs are not allowed as indentation. Hint: indent with spaces, not tabs.",
    ],
    [
      "an empty file",
      "",
      "qhub-config.yaml:1:1: the file is empty. Hint: run `qhub init PROVIDER` to write a commented starting config.",
    ],
    [
      "a comment-only file",
      "# nothing\n",
      "qhub-config.yaml:1:1: the file is empty. Hint: run `qhub init PROVIDER` to write a commented starting config.",
    ],
    [
      "a list",
      "- a\n- b\n",
      "qhub-config.yaml:1:1: the file must be a mapping of keys such as `project_name: ...`, but it holds a list. Hint: start from `qhub init PROVIDER`, which writes a valid config.",
    ],
    [
      "a scalar",
      "hello\n",
      "qhub-config.yaml:1:1: the file must be a mapping of keys such as `project_name: ...`, but it holds a single value. Hint: start from `qhub init PROVIDER`, which writes a valid config.",
    ],
  ])("%s", (_name, text, line) => {
    expect(
      problemLines(text)
        .map((l) => l.replace(/\.$/, "") + ".")
        .map((l) => l.replace(/\.\.$/, ".")),
    ).toEqual([line]);
  });

  test("a syntax error points at the line", () => {
    const [line] = problemLines("project_name: x\nprofiles: [1, 2\n");
    expect(line).toMatch(/^qhub-config\.yaml:\d+:\d+: YAML error: /);
    expect(line).toContain("Hint:");
  });

  test("an alias bomb is refused, not expanded", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++)
      bomb.push(`${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`);
    const lines = problemLines(`${bomb.join("\n")}\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("YAML aliases could not be expanded");
  });
});

describe("shape problems", () => {
  test("wrong types name what was expected and what was found", () => {
    expect(
      problemLines(
        `${VALID}amazon_web_services:\n  node_groups:\n    user: { instance: m5.xlarge, min_nodes: five, max_nodes: 5 }\n`,
      ),
    ).toEqual([
      "qhub-config.yaml:13:45: amazon_web_services.node_groups.user.min_nodes: expected a number, found a string. Hint: write a number (Fewest nodes)",
    ]);
  });

  test("a missing required key is reported where it belongs", () => {
    expect(problemLines(VALID.replace("domain: hub.example.com\n", ""))).toEqual([
      'qhub-config.yaml:1:1: domain: missing required key "domain". Hint: add `domain:` (Host name users reach JupyterHub at, without scheme or path)',
    ]);
  });

  test("a host name with a scheme says to drop it", () => {
    expect(problemLines(VALID.replace("hub.example.com", "https://hub.example.com/"))).toEqual([
      "qhub-config.yaml:3:9: domain: must be a host name such as hub.example.com, without scheme, port or path. Hint: write only the host name, e.g. `hub.example.com` instead of `https://hub.example.com/`",
    ]);
  });

  test("a malformed secret reference explains the two accepted forms", () => {
    expect(problemLines(VALID.replace("{ fromEnv: GITHUB_CLIENT_SECRET }", "{ env: X }"))).toEqual([
      "qhub-config.yaml:9:22: security.authentication.config.client_secret: a secret reference must be exactly `{ fromEnv: NAME }` or `{ fromFile: PATH }`. Hint: write `client_secret: { fromEnv: GITHUB_CLIENT_SECRET }`; NAME is letters, digits and `_`, not starting with a digit",
    ]);
    expect(problemLines(VALID.replace("GITHUB_CLIENT_SECRET", "1BAD"))).toEqual([
      "qhub-config.yaml:9:33: security.authentication.config.client_secret.fromEnv: is not a valid environment variable name. Hint: use letters, digits and `_`, not starting with a digit, e.g. GITHUB_CLIENT_SECRET",
    ]);
  });

  test("a literal user password is refused like any secret", () => {
    const lines = problemLines(
      `${VALID.replace(/security:[\s\S]*/, "")}security:\n  users:\n    ada:\n      password: hunter2\n`,
    );
    expect(lines).toEqual([
      "qhub-config.yaml:7:17: security.users.ada.password: a secret value is written in the config; secrets are never stored in qhub-config.yaml. Hint: replace it with `password: { fromEnv: QHUB_PASSWORD_ADA }`, export QHUB_PASSWORD_ADA with the value when you run qhub, and remove the value from the file and its history",
    ]);
  });

  test("QHub 0.3/0.4 files are pointed at qhub upgrade", () => {
    expect(problemLines(`qhub_version: 0.4.3\n${VALID}ci_cd:\n  type: github-actions\n`)).toEqual([
      'qhub-config.yaml:1:15: qhub_version: this file is for QHub "0.4.3"; this QHub reads schema version 1. Hint: run `qhub upgrade` to migrate it in place (comments are kept)',
      'qhub-config.yaml:12:1: ci_cd: unknown key "ci_cd". Hint: this QHub 0.3/0.4 key has no place here: the rendered repository\'s GitHub workflow and `qhub pr` replace it; run `qhub upgrade` to migrate the file',
    ]);
  });

  test("an invalid map key is reported at the key", () => {
    expect(problemLines(`${VALID}environments:\n  c.txt: { name: y, dependencies: [python] }\n`)).toEqual([
      'qhub-config.yaml:12:3: environments["c.txt"]: "c.txt" must be a file name ending in .yaml or .yml. Hint: e.g. `environment-ml.yaml`',
    ]);
  });

  test("every problem is reported at once, in file order", () => {
    const lines = problemLines(
      `${VALID.replace("provider: aws", "provider: amazon")}namespce: dev\nstorage:\n  conda_store: 60\n`,
    );
    expect(lines.map((l) => l.split(": ")[0])).toEqual([
      "qhub-config.yaml:2:11",
      "qhub-config.yaml:11:1",
      "qhub-config.yaml:13:16",
    ]);
  });
});

describe("cross-field rules", () => {
  const rules = (extra: string, base = VALID) => problemLines(`${base}${extra}`);

  test("project names follow QHub 0.4's per-cloud rules", () => {
    expect(problemLines(VALID.replace("provider: aws", "provider: azure"))).toEqual([
      "qhub-config.yaml:1:15: project_name: must not contain '-' with provider azure. Hint: Azure resource names do not allow it; try \"dsteam\"",
    ]);
    expect(problemLines(VALID.replace("ds-team", "aws-team"))).toEqual([
      'qhub-config.yaml:1:15: project_name: must not start with "aws" with provider aws. Hint: AWS reserves the prefix; pick another name',
    ]);
    expect(problemLines(VALID.replace("ds-team", "a-very-long-project-name"))[0]).toContain(
      "is 24 characters long; at most 16 are allowed",
    );
  });

  test("profiles: one default, unique names, known groups, guarantees within limits", () => {
    const lines = rules(
      "security:\n  groups:\n    analysts: {}\n" +
        "profiles:\n  jupyterlab:\n" +
        "    - display_name: A\n      default: true\n      groups: [nope]\n      kubespawner_override: { cpu_limit: 1, cpu_guarantee: 2, mem_limit: 1G, mem_guarantee: 2Gi }\n" +
        "    - display_name: a\n      default: true\n" +
        "  dask_worker:\n    W: { worker_cores: 3, worker_cores_limit: 2, worker_memory: 1G, worker_memory_limit: 2G }\n",
      VALID.replace(/security:[\s\S]*/, ""),
    );
    expect(lines).toEqual([
      'qhub-config.yaml:11:16: profiles.jupyterlab[0].groups[0]: group "nope" is not defined in security.groups. Hint: add it under security.groups, or correct the name',
      "qhub-config.yaml:12:60: profiles.jupyterlab[0].kubespawner_override.cpu_guarantee: cpu_guarantee (2) is more than cpu_limit (1). Hint: Kubernetes rejects a request above its limit; lower cpu_guarantee or raise cpu_limit",
      "qhub-config.yaml:12:93: profiles.jupyterlab[0].kubespawner_override.mem_guarantee: mem_guarantee (2Gi) is more than mem_limit (1G). Hint: Kubernetes rejects a request above its limit; lower mem_guarantee or raise mem_limit",
      'qhub-config.yaml:13:21: profiles.jupyterlab[1].display_name: "a" is already the name of profile 0. Hint: give each profile its own display_name; JupyterHub tells them apart by it',
      "qhub-config.yaml:14:16: profiles.jupyterlab[1].default: a second default profile; profile 0 is already the default. Hint: keep `default: true` on one profile only",
      "qhub-config.yaml:16:24: profiles.dask_worker.W.worker_cores: worker_cores (3) is more than worker_cores_limit (2). Hint: Kubernetes rejects a request above its limit; lower worker_cores or raise worker_cores_limit",
    ]);
  });

  test("users: defined groups, unique ids", () => {
    const lines = rules(
      "security:\n  users:\n    a: { uid: 1000, primary_group: g }\n    b: { uid: 1000 }\n  groups:\n    h: { gid: 100 }\n",
      VALID.replace(/security:[\s\S]*/, ""),
    );
    expect(lines).toEqual([
      'qhub-config.yaml:6:36: security.users.a.primary_group: group "g" is not defined in security.groups. Hint: add it under security.groups, or correct the name',
      'qhub-config.yaml:7:15: security.users.b.uid: uid 1000 is already used by "a". Hint: give each entry of security.users its own uid',
    ]);
  });

  test("provider blocks, node pools, certificates, storage, environments", () => {
    expect(rules("google_cloud_platform:\n  project: my-project-1\n")).toEqual([
      "qhub-config.yaml:11:1: google_cloud_platform: settings for provider gcp, which no cluster uses (provider is aws). Hint: remove the `google_cloud_platform` block, or set `provider: gcp`",
    ]);
    expect(rules("", VALID.replace("provider: aws", "provider: gcp"))).toEqual([
      "qhub-config.yaml:2:11: provider: provider gcp needs a `google_cloud_platform` block with your project ID. Hint: add `google_cloud_platform: { project: YOUR-PROJECT-ID }`",
    ]);
    expect(
      rules(
        "amazon_web_services:\n  node_groups:\n    user: { instance: m5.large, min_nodes: 6, max_nodes: 5 }\n",
      ),
    ).toEqual([
      "qhub-config.yaml:13:44: amazon_web_services.node_groups.user.min_nodes: min_nodes (6) is more than max_nodes (5). Hint: lower min_nodes or raise max_nodes",
    ]);
    // A profile or Dask worker size naming a group the provider block does not have, at its line.
    expect(
      rules(
        [
          ...GPU_PROFILE,
          "    - display_name: Big GPU",
          "      node_group: gpu-a100",
          "  dask_worker:",
          "    GPU Worker: { worker_cores: 1, worker_cores_limit: 2, worker_memory: 4G, worker_memory_limit: 8G, node_group: gpus }",
          "",
        ].join("\n"),
      ),
    ).toEqual([
      'qhub-config.yaml:19:19: profiles.jupyterlab[1].node_group: node group "gpu-a100" is not a group of amazon_web_services.node_groups (general, user, worker, gpu). Hint: add `gpu-a100` under amazon_web_services.node_groups, or name one of the groups listed',
      'qhub-config.yaml:21:115: profiles.dask_worker["GPU Worker"].node_group: node group "gpus" is not a group of amazon_web_services.node_groups (general, user, worker, gpu). Hint: add `gpus` under amazon_web_services.node_groups, or name one of the groups listed',
    ]);
    expect(
      rules(
        "certificate: { type: lets-encrypt, acme_email: ops@example.com }\n",
        VALID.replace("hub.example.com", "hub.localhost"),
      ),
    ).toEqual([
      'qhub-config.yaml:11:22: certificate.type: Let\'s Encrypt cannot issue a certificate for "hub.localhost". Hint: use a public DNS name in `domain`, or `certificate: { type: self-signed }`',
    ]);
    expect(rules("storage: { type: cloud }\n", VALID.replace("provider: aws", "provider: do"))).toEqual([
      "qhub-config.yaml:11:18: storage.type: provider do has no managed shared file service. Hint: use `type: nfs` (an in-cluster NFS server); `cloud` works with aws, gcp and azure",
    ]);
    expect(rules("storage: { type: cloud }\n")).toEqual([
      "qhub-config.yaml:11:18: storage.type: shared storage on EFS needs the ID of an EFS file system. Hint: create one in the cluster's VPC and set `amazon_web_services.efs_file_system_id: fs-...`",
    ]);
    expect(
      rules(
        "environments:\n  a.yaml: { name: x, dependencies: [python] }\n  b.yaml: { name: x, dependencies: [python, { pip: [a] }, { pip: [b] }] }\n",
      ),
    ).toEqual([
      'qhub-config.yaml:13:19: environments["b.yaml"].name: environment name "x" is already used by a.yaml. Hint: give each environment its own name; conda-store builds them by name and Jupyter lowercases kernel names',
      'qhub-config.yaml:13:22: environments["b.yaml"].dependencies: has 2 `pip:` lists. Hint: merge them into one `pip:` list',
    ]);
  });
});

describe("clusters", () => {
  const withClusters = (clusters: string, base = VALID) =>
    `${base}gitops:\n  repository: acme/platform\n  clusters:\n${clusters}`;

  test("overrides deep-merge; a changed type replaces its mapping; one model per cluster", () => {
    const text = withClusters(
      "    prod:\n      certificate: { type: lets-encrypt, acme_email: ops@example.com }\n    dev:\n      provider: local\n      domain: dev.localhost\n      security: { authentication: { type: password } }\n",
    );
    const result = validateDocument(parseConfigText("qhub-config.yaml", text));
    expect(result.problems).toEqual([]);
    expect(
      result.clusters?.map((c) => [c.name, c.config.provider, c.config.domain, c.config.certificate.type]),
    ).toEqual([
      ["dev", "local", "dev.localhost", "self-signed"],
      ["prod", "aws", "hub.example.com", "lets-encrypt"],
    ]);
  });

  test("problems in a cluster's merged settings are reported at its override", () => {
    const lines = problemLines(
      withClusters(
        "    prod: {}\n    edge:\n      provider: do\n      namespace: Bad\n      certificate: { type: existing }\n",
      ),
    );
    expect(lines).toEqual([
      "qhub-config.yaml:17:18: gitops.clusters.edge.namespace: must be a DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit. Hint: e.g. `dev` or `ds-team`",
      'qhub-config.yaml:18:7: gitops.clusters.edge.certificate.secret_name: missing required key "secret_name". Hint: add `secret_name:` (Name of a kubernetes.io/tls Secret, in the namespace, that you manage)',
    ]);
  });

  test("a rule that fails for some clusters names them", () => {
    const lines = problemLines(withClusters("    prod: {}\n    eu:\n      provider: azure\n"));
    expect(lines).toEqual([
      "qhub-config.yaml:1:15: project_name: cluster eu: must not contain '-' with provider azure. Hint: Azure resource names do not allow it; try \"dsteam\"",
    ]);
  });

  test("with clusters, provider and domain may be set per cluster, and must be set somewhere", () => {
    const base = VALID.replace("provider: aws\ndomain: hub.example.com\n", "");
    expect(
      problemLines(
        withClusters("    a: { provider: aws, domain: a.example.com }\n    b: { provider: aws }\n", base),
      ),
    ).toEqual([
      'qhub-config.yaml:13:5: gitops.clusters.b.domain: missing required key "domain". Hint: add `domain:` (Host name users reach JupyterHub at, without scheme or path)',
    ]);
  });

  test("cluster names are DNS labels", () => {
    expect(problemLines(withClusters("    Prod_1: {}\n"))).toEqual([
      'qhub-config.yaml:14:5: gitops.clusters.Prod_1: "Prod_1" must be a DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit. Hint: e.g. `dev` or `ds-team`',
    ]);
  });
});

describe("validate is the one source of truth: everything at once, each once, where it is", () => {
  test("cross-field problems are reported while schema errors remain", () => {
    expect(
      problemLines(
        `${VALID}namespce: dev\nprofiles:\n  jupyterlab:\n    - display_name: A\n      default: true\n    - display_name: a\n      default: yes-please\n`,
      ),
    ).toEqual([
      'qhub-config.yaml:11:1: namespce: unknown key "namespce". Hint: did you mean "namespace"?',
      'qhub-config.yaml:16:21: profiles.jupyterlab[1].display_name: "a" is already the name of profile 0. Hint: give each profile its own display_name; JupyterHub tells them apart by it',
      "qhub-config.yaml:17:16: profiles.jupyterlab[1].default: expected `true` or `false`, found a string. Hint: write `true` or `false` (Preselected profile; at most one)",
    ]);
    expect(
      problemLines(
        `${VALID.replace("type: GitHub", "type: password").replace(/ {4}config:[\s\S]*/, "")}  users:\n    li-wei: {}\n    li.wei: { uid: 12 }\n`,
      ),
    ).toEqual([
      'qhub-config.yaml:9:5: security.users["li.wei"]: user "li.wei" cannot be told apart from "li-wei": both passwords would be read from QHUB_PASSWORD_LI_WEI. Hint: rename one of them; a password\'s variable is QHUB_PASSWORD_ and the user name in capitals, with `_` for every character other than a letter or digit',
      'qhub-config.yaml:9:20: security.users["li.wei"].uid: must be at least 1000. Hint: write a number that is at least 1000 (Numeric user ID on shared storage)',
    ]);
  });

  test("a typo inside a cluster override is reported once, at its own line", () => {
    expect(
      problemLines(
        `${VALID}gitops:\n  repository: acme/platform\n  clusters:\n    prod:\n      namespce: x\n      storage:\n        tipe: nfs\n    dev: {}\n`,
      ),
    ).toEqual([
      'qhub-config.yaml:15:7: gitops.clusters.prod.namespce: unknown key "namespce". Hint: did you mean "namespace"?',
      'qhub-config.yaml:17:9: gitops.clusters.prod.storage.tipe: unknown key "tipe". Hint: did you mean "type"?',
    ]);
  });

  test("a top-level typo is not also a missing key in every cluster", () => {
    const text = `${VALID.replace("domain:", "domian:")}gitops:\n  repository: acme/platform\n  clusters:\n    prod: {}\n    dev: { domain: dev.example.com }\n`;
    expect(problemLines(text)).toEqual([
      'qhub-config.yaml:3:1: domian: unknown key "domian". Hint: did you mean "domain"?',
    ]);
    expect(problemLines(VALID.replace("provider:", "provder:"))).toEqual([
      'qhub-config.yaml:2:1: provder: unknown key "provder". Hint: did you mean "provider"?',
    ]);
  });
});

describe("hints say what to do, in QHub's words", () => {
  test("formats, unions, bounds and missing enums", () => {
    const lines = problemLines(
      `${VALID.replace("provider: aws\n", "").replace("client_id: abc123", "client_id: 123")}certificate: { type: lets-encrypt, acme_email: not-an-address }\ntheme:\n  jupyterhub:\n    logo: just-a-name\nprofiles:\n  dask_worker:\n    W: { worker_cores: 0, worker_cores_limit: 1, worker_memory: 8 GB, worker_memory_limit: [8G] }\n`,
    );
    expect(lines).toEqual([
      'qhub-config.yaml:1:1: provider: missing required key "provider". Hint: add `provider:` with one of: local, existing, aws, gcp, azure, do (Where the cluster runs. Identity field: changing it rebuilds the platform)',
      "qhub-config.yaml:7:18: security.authentication.config.client_id: expected a string or a mapping of keys, found an integer. Hint: write a string or a mapping of keys (OAuth app client ID, written as is or as `{ fromEnv: NAME }`)",
      "qhub-config.yaml:10:48: certificate.acme_email: is not an e-mail address. Hint: write an address such as ops@example.com (Contact address Let's Encrypt writes to about expiring certificates)",
      "qhub-config.yaml:13:11: theme.jupyterhub.logo: is not a URL. Hint: write an absolute URL such as https://example.com/logo.png (URL of the logo image)",
      "qhub-config.yaml:16:24: profiles.dask_worker.W.worker_cores: must be more than 0. Hint: write a number that is more than 0 (CPU reserved for each worker. In cores; fractions allowed)",
      "qhub-config.yaml:16:65: profiles.dask_worker.W.worker_memory: is not a Kubernetes quantity. Hint: write a number with an optional unit and no space, e.g. `8Gi`, `1500M` or `0.5`",
      "qhub-config.yaml:16:92: profiles.dask_worker.W.worker_memory_limit: expected a number or a string, found a list. Hint: write a number or a string (Most memory each worker may use. A Kubernetes quantity such as `8G`, `8Gi` or `1500M`)",
    ]);
    for (const line of lines) expect(line).not.toMatch(/expected\)|regex|Invalid|Hint: [A-Z][^(]*\.$/);
  });
});

describe("validate reports what render refuses; unset variables are warnings", () => {
  const forRender = (text: string) =>
    validateDocument(parseConfigText("qhub-config.yaml", text), { requireAgeRecipients: true }).problems.map(
      formatProblem,
    );
  const NO_KEY =
    "no age recipients: QHub writes every Secret (the hub's tokens, passwords, OAuth secrets) encrypted for the age public keys listed in secrets.sops.age_recipients. Hint: add `secrets: { sops: { age_recipients: [age1...] } }` with your public key (`age-keygen -y KEYFILE` prints it; `qhub init` makes one) and give Flux the matching identity";

  test("no age recipients: once, where the key belongs, for one cluster or many", () => {
    expect(forRender(VALID)).toEqual([`qhub-config.yaml:1:1: secrets: ${NO_KEY}`]);
    expect(
      forRender(`${VALID}gitops:\n  repository: acme/platform\n  clusters:\n    prod: {}\n    dev: {}\n`),
    ).toEqual([`qhub-config.yaml:1:1: secrets: ${NO_KEY}`]);
    const key = "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29";
    expect(
      forRender(
        `${VALID}gitops:\n  repository: acme/platform\n  clusters:\n    prod:\n      secrets: { sops: { age_recipients: [${key}] } }\n    dev: {}\n`,
      ),
    ).toEqual([`qhub-config.yaml:1:1: secrets: cluster dev: ${NO_KEY}`]);
    expect(forRender(`${VALID}secrets: { sops: { age_recipients: [${key}] } }\n`)).toEqual([]);
  });

  test("unset variables the config names: warnings with positions, never values", () => {
    const text = `${VALID.replace("client_id: abc123", "client_id: { fromEnv: GH_ID }")}`;
    const cd = parseConfigText("qhub-config.yaml", text);
    expect(unsetVariables(cd, { GH_ID: "set" }).map(formatWarning)).toEqual([
      "qhub-config.yaml:9:33: security.authentication.config.client_secret.fromEnv: warning: GITHUB_CLIENT_SECRET is not set; qhub render, diff and pr will need it. Hint: export GITHUB_CLIENT_SECRET before you run them (in CI, from a secret)",
    ]);
    expect(unsetVariables(cd, { GH_ID: "", GITHUB_CLIENT_SECRET: "s3cret" }).map(formatWarning)).toEqual([
      "qhub-config.yaml:8:29: security.authentication.config.client_id.fromEnv: warning: GH_ID is not set; qhub render, diff and pr will need it. Hint: export GH_ID before you run them (in CI, from a secret)",
    ]);
  });

  test("qhub validate: a valid config with an unset variable exits 0 and says so", async () => {
    const dir = tempDir();
    const config = join(dir, "qhub-config.yaml");
    writeFileSync(
      config,
      `${VALID}secrets: { sops: { age_recipients: [age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29] } }\n`,
    );
    const saved = process.env.GITHUB_CLIENT_SECRET;
    delete process.env.GITHUB_CLIENT_SECRET;
    try {
      const r = await runMain(["validate", "--config", config]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(
        `${config}:9:33: security.authentication.config.client_secret.fromEnv: warning: GITHUB_CLIENT_SECRET is not set; qhub render, diff and pr will need it. Hint: export GITHUB_CLIENT_SECRET before you run them (in CI, from a secret)\n${config}: valid (1 cluster: ds-team)\n`,
      );
    } finally {
      if (saved !== undefined) process.env.GITHUB_CLIENT_SECRET = saved;
    }
  });
});

describe("the rules judge the config as written, even around schema errors", () => {
  test("a literal client secret: the rules still run, on the GitHub login that was written", () => {
    const text = `${VALID.replace("{ fromEnv: GITHUB_CLIENT_SECRET }", "s3cr3t")}  users:\n    li-wei: {}\n    li.wei: {}\n    Ada: {}\n    ada: {}\n`;
    expect(problemLines(text)).toEqual([
      "qhub-config.yaml:9:22: security.authentication.config.client_secret: a secret value is written in the config; secrets are never stored in qhub-config.yaml. Hint: replace it with `client_secret: { fromEnv: GITHUB_CLIENT_SECRET }`, export GITHUB_CLIENT_SECRET with the value when you run qhub, and remove the value from the file and its history",
      'qhub-config.yaml:15:5: security.users.ada: user "ada" differs from "Ada" only in case. Hint: JupyterHub lowercases user names, so both are the user "ada"; keep one entry',
    ]);
  });

  test("a broken login is not replaced by the default one (no password-only findings)", () => {
    const text = `${VALID.replace("      client_id: abc123\n", "")}  users:\n    li-wei: {}\n    li.wei: {}\n`;
    expect(problemLines(text)).toEqual([
      'qhub-config.yaml:7:5: security.authentication.config.client_id: missing required key "client_id". Hint: add `client_id:` (OAuth app client ID, written as is or as `{ fromEnv: NAME }`)',
    ]);
  });
});

describe("warnings a render does not print", () => {
  test("are neither reported nor positioned: a valid config's YAML is not parsed again for positions", () => {
    const text = [VALID.trimEnd(), ...GPU_PROFILE, "      kubespawner_override: { cpu_limit: 4 }", ""].join(
      "\n",
    );
    expect(validateDocument(parseConfigText("qhub-config.yaml", text)).warnings).not.toEqual([]);
    const cd = parseConfigText("qhub-config.yaml", text);
    Object.defineProperty(cd, "doc", {
      get() {
        throw new Error("positioned");
      },
    });
    const r = validateDocument(cd, { warnings: false });
    expect(r).toMatchObject({ problems: [], warnings: [] });
    expect(r.clusters).toHaveLength(1);
  });
});

describe("profiles that fit their node group", () => {
  const validate = (extra: string) => {
    const r = validateDocument(parseConfigText("qhub-config.yaml", `${VALID}${extra}`));
    return { problems: r.problems.map(formatProblem), warnings: r.warnings.map(formatWarning) };
  };

  test("a guarantee above one node's allocatable share is an error at its line, with the numbers", () => {
    const r = validate(
      [
        ...GPU_PROFILE,
        "      kubespawner_override: { cpu_guarantee: 3, cpu_limit: 4, mem_guarantee: 16Gi, mem_limit: 16Gi }",
        "  dask_worker:",
        "    Big: { worker_cores: 2, worker_cores_limit: 2, worker_memory: 4G, worker_memory_limit: 8G, node_group: gpu }",
        "    Huge: { worker_cores: 8, worker_cores_limit: 8, worker_memory: 4G, worker_memory_limit: 8G }",
        "",
      ].join("\n"),
    );
    // g4dn.xlarge: 4 vCPU, 16 GiB; EKS keeps 0.08 CPU and 11 MiB x 29 pods + 255 MiB + 100 MiB
    // (16384 - 574 - 100 = 15710 MiB).
    expect(r.problems).toEqual([
      'qhub-config.yaml:18:78: profiles.jupyterlab[0].kubespawner_override.mem_guarantee: profile "GPU": mem_guarantee 16Gi (16Gi) cannot fit on one node of group gpu (g4dn.xlarge: 4 vCPU, 16Gi; 3.92 CPU and 15.34Gi for pods after EKS\'s reservations). Hint: lower mem_guarantee to at most 15.34Gi, or give gpu a larger instance type',
      'qhub-config.yaml:21:27: profiles.dask_worker.Huge.worker_cores: Dask worker "Huge": worker_cores 8 cannot fit on one node of group worker (m5.xlarge: 4 vCPU, 16Gi; 3.92 CPU and 15.03Gi for pods after EKS\'s reservations). Hint: lower worker_cores to at most 3.92, or give worker a larger instance type',
    ]);
    expect(r.warnings).toContain(
      'qhub-config.yaml:18:60: profiles.jupyterlab[0].kubespawner_override.cpu_limit: warning: profile "GPU": cpu_limit 4 is more than one node of group gpu has (g4dn.xlarge: 4 vCPU, 16Gi; 3.92 CPU and 15.34Gi for pods after EKS\'s reservations); it can never use that much. Hint: lower cpu_limit to at most 3.92, or give gpu a larger instance type',
    );
  });

  test("GKE's formula; QHub 0.4's node_selector picks the group; an unknown instance type is a warning", () => {
    const gcp = VALID.replace("provider: aws", "provider: gcp");
    const r = validateDocument(
      parseConfigText(
        "qhub-config.yaml",
        `${gcp}${[
          "google_cloud_platform:",
          "  project: my-project-1",
          "  node_groups:",
          "    gpu-t4: { instance: n1-standard-8, min_nodes: 0, max_nodes: 1, gpu: true }",
          "    odd: { instance: z9-mega-1, min_nodes: 0, max_nodes: 1 }",
          "profiles:",
          "  jupyterlab:",
          "    - display_name: T4",
          "      kubespawner_override:",
          "        cpu_guarantee: 8",
          "        node_selector: { cloud.google.com/gke-nodepool: gpu-t4 }",
          "    - display_name: Odd",
          "      node_group: odd",
          "      kubespawner_override: { cpu_guarantee: 100 }",
          "",
        ].join("\n")}`,
      ),
    );
    // n1-standard-8: 8 - (0.06 + 0.01 + 2 x 0.005 + 4 x 0.0025) = 7.91 cores; 30 GiB less
    // 25% of 4 + 20% of 4 + 10% of 8 + 6% of 14 GiB (3.44 GiB) and 100 MiB = 26.46 GiB.
    expect(r.problems.map(formatProblem)).toEqual([
      'qhub-config.yaml:20:24: profiles.jupyterlab[0].kubespawner_override.cpu_guarantee: profile "T4": cpu_guarantee 8 cannot fit on one node of group gpu-t4 (n1-standard-8: 8 vCPU, 30Gi; 7.91 CPU and 26.46Gi for pods after GKE\'s reservations). Hint: lower cpu_guarantee to at most 7.91, or give gpu-t4 a larger instance type',
    ]);
    expect(r.warnings.map(formatWarning)).toEqual([
      "qhub-config.yaml:15:22: google_cloud_platform.node_groups.odd.instance: warning: instance type z9-mega-1 is not in QHub's table of gcp instance types: whether profiles fit its nodes cannot be checked. Hint: check the profiles on this group against the instance's size yourself, or use a listed type (src/config/instances.ts)",
    ]);
  });
});

describe("monitoring", () => {
  test("retention and storage size: positioned, with the units to use", () => {
    expect(
      problemLines(`${VALID}monitoring:\n  enabled: true\n  retention: 2 weeks\n  storage_size: "50"\n`),
    ).toEqual([
      "qhub-config.yaml:13:14: monitoring.retention: must be a Prometheus duration such as 15d. Hint: use y, w, d, h, m, s or ms, e.g. `30d` or `1w`",
      "qhub-config.yaml:14:17: monitoring.storage_size: must be a storage size with a unit, such as 100Gi. Hint: use Ki, Mi, Gi, Ti (or k, M, G, T)",
    ]);
    expect(problemLines(`${VALID}monitoring:\n  enabled: true\n  retention: 4w2d\n`)).toEqual([]);
  });
});

describe("jupyterhub.overrides: checked against the JupyterHub chart's values schema", () => {
  const withOverrides = `${VALID}jupyterhub:
  overrides:
    hub:
      concurrentSpawnLimit: 20
      concurentSpawnLimit: 20
    singleuser:
      startTimeout: soon
    cull:
      timeout: 600
gitops:
  repository: acme/platform
  clusters:
    blue:
      jupyterhub:
        overrides:
          proxy:
            chp:
              nodeSelector: [a]
    green: {}
`;

  test("`qhub validate` reports each refused override at its own line, in the top level and in a cluster", async () => {
    const dir = tempDir();
    const config = join(dir, "qhub-config.yaml");
    writeFileSync(config, withOverrides);
    const r = await runMain(["validate", "--config", config]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split("\n").filter((l) => l.includes("jupyterhub.overrides"));
    expect(lines).toEqual([
      `${config}:15:7: jupyterhub.overrides.hub.concurentSpawnLimit: the values schema of the JupyterHub chart (z2jh 4.4.0) refuses it: must NOT have additional properties (concurentSpawnLimit). Hint: overrides are chart values (z2jh's values.yaml); check the key's spelling and type against the chart's reference`,
      `${config}:17:7: jupyterhub.overrides.singleuser.startTimeout: the values schema of the JupyterHub chart (z2jh 4.4.0) refuses it: must be integer,null. Hint: overrides are chart values (z2jh's values.yaml); check the key's spelling and type against the chart's reference`,
      `${config}:28:15: gitops.clusters.blue.jupyterhub.overrides.proxy.chp.nodeSelector: the values schema of the JupyterHub chart (z2jh 4.4.0) refuses it: must be object. Hint: overrides are chart values (z2jh's values.yaml); check the key's spelling and type against the chart's reference`,
    ]);
    // render refuses what validate refuses.
    const render = await runMain(["render", "--config", config, "--output", join(dir, "out")]);
    expect(render.code).toBe(1);
    expect(render.stderr).toContain("concurentSpawnLimit");
  });

  test("a credential written in the overrides is refused, never echoed", () => {
    const lines = problemLines(
      `${VALID}jupyterhub:\n  overrides:\n    hub:\n      cookieSecret: 0123abcd-not-shown\n      existingSecret: my-secret\n    proxy:\n      secretToken: 99-not-shown\n`,
    );
    expect(lines).toEqual([
      "qhub-config.yaml:14:21: jupyterhub.overrides.hub.cookieSecret: is a secret written in jupyterhub.overrides, which goes into the repository's HelmRelease as plain text. Hint: remove it (QHub seals the hub's own secrets and the login's client secret from `security`); rotate the value, it is in your history",
      "qhub-config.yaml:17:20: jupyterhub.overrides.proxy.secretToken: is a secret written in jupyterhub.overrides, which goes into the repository's HelmRelease as plain text. Hint: remove it (QHub seals the hub's own secrets and the login's client secret from `security`); rotate the value, it is in your history",
    ]);
    expect(lines.join("\n")).not.toContain("not-shown");
  });

  test("the validate command's bundle carries no ajv (overrides use the build's precompiled validator)", () => {
    const bundle = readFileSync(join(ROOT, "dist", "chunks", "validate.js"), "utf8");
    // Ajv's option names and its messages are in its code, and in no other module QHub bundles.
    expect(bundle).not.toContain("strictTuples");
    expect(bundle).not.toContain("must NOT have additional properties");
    expect(readFileSync(join(ROOT, "dist", "chunks", "check.js"), "utf8")).toContain("strictTuples");
  });

  test("without overrides, the chart's schema is not loaded", async () => {
    const { hubValuesCheck } = await import("../src/config/load.js");
    expect(await hubValuesCheck(parseConfigText("qhub-config.yaml", VALID))).toBeUndefined();
    expect(
      await hubValuesCheck(
        parseConfigText("qhub-config.yaml", `${VALID}jupyterhub:\n  culling: { server_idle_timeout: 60 }\n`),
      ),
    ).toBeUndefined();
    const check = await hubValuesCheck(
      parseConfigText("qhub-config.yaml", `${VALID}jupyterhub:\n  overrides: { hub: {} }\n`),
    );
    expect(check?.check({ hub: { concurrentSpawnLimit: 5 } })).toEqual([]);
  });
});
