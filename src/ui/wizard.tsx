// `qhub init` with no provider on a terminal: five questions (provider, project name, domain,
// login, repository), each with its default shown and checked as you type, then the same
// command runs with the answers as flags. Never used without a terminal: there, init needs flags.
import { Box, render, Text, useInput } from "ink";
import { useRef, useState } from "react";
import { PROJECT_NAME, PROVIDERS, REPOSITORY } from "../config/schema.js";
import type { Provider } from "../config/schema.js";
import { UserError } from "../errors.js";
import { projectNameProblem } from "../config/rules.js";
import { AUTH_TYPES, defaultDomain, projectNameFrom } from "../init/template.js";
import type { AuthType } from "../init/template.js";

export interface WizardAnswers {
  provider: Provider;
  projectName: string;
  domain: string;
  auth: AuthType;
  repository?: string;
}

const PROVIDER_LABELS: Record<Provider, string> = {
  local: "local — a cluster on this machine (kind, minikube, k3d)",
  existing: "existing — a cluster you already run",
  aws: "aws — Amazon EKS",
  gcp: "gcp — Google GKE",
  azure: "azure — Azure AKS",
  do: "do — DigitalOcean Kubernetes",
};
const AUTH_LABELS: Record<AuthType, string> = {
  password: "password — per-user passwords from environment variables",
  github: "github — GitHub OAuth, members of your organisation",
  auth0: "auth0 — Auth0 OAuth",
};

const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** What is wrong with a typed value, or "" when it is fine (an empty entry takes the default). */
export function problemWith(
  step: "projectName" | "domain" | "repository",
  value: string,
  provider: Provider = "local",
): string {
  if (value === "") return "";
  if (step === "projectName") {
    if (!PROJECT_NAME.test(value))
      return "letters, digits, - and _, starting with a letter, ending with a letter or digit, at most 16";
    // The same rule `qhub validate` applies, so an accepted answer is never refused after.
    const problem = projectNameProblem(value, provider);
    return problem ? `${problem.message}: ${problem.hint}` : "";
  }
  if (step === "domain") return HOST.test(value) ? "" : "a host name, e.g. hub.example.com (no https://)";
  return REPOSITORY.test(value) ? "" : "OWNER/NAME, e.g. acme/ds-platform";
}

type Step = "provider" | "projectName" | "domain" | "auth" | "repository";

// Both inputs keep what was typed in a ref as well as in state: keys that arrive before React has
// drawn the last one (a fast typist, a paste, a loaded machine) act on the latest value, not on
// the one the last frame showed, so none is dropped.

function Field(props: {
  label: string;
  placeholder: string;
  check: (v: string) => string;
  onSubmit: (v: string) => void;
}) {
  const typed = useRef("");
  const [value, setValue] = useState("");
  useInput((input, key) => {
    if (key.return) {
      if (!props.check(typed.current)) props.onSubmit(typed.current);
      return;
    }
    if (key.backspace || key.delete) typed.current = typed.current.slice(0, -1);
    else if (
      !key.ctrl &&
      !key.meta &&
      !key.tab &&
      !key.escape &&
      ![...input].some((ch) => ch.charCodeAt(0) < 0x20)
    )
      typed.current += input;
    else return;
    setValue(typed.current);
  });
  const problem = props.check(value);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{props.label} </Text>
        <Text dimColor>({props.placeholder || "optional"}) </Text>
        {value}
        <Text inverse> </Text>
      </Text>
      {problem && <Text color={process.env.NO_COLOR ? undefined : "red"}> {problem}</Text>}
    </Box>
  );
}

function Choice<V extends string>(props: {
  question: string;
  labels: Record<V, string>;
  values: readonly V[];
  onSelect: (v: V) => void;
}) {
  const at = useRef(0);
  const [index, setIndex] = useState(0);
  const n = props.values.length;
  useInput((_input, key) => {
    if (key.return) {
      const v = props.values[at.current];
      if (v !== undefined) props.onSelect(v);
      return;
    }
    if (key.downArrow || key.tab) at.current = (at.current + 1) % n;
    else if (key.upArrow) at.current = (at.current + n - 1) % n;
    else return;
    setIndex(at.current);
  });
  return (
    <Box flexDirection="column">
      <Text bold>{props.question}</Text>
      {props.values.map((v, i) => (
        <Text key={v} color={i === index && !process.env.NO_COLOR ? "cyan" : undefined} wrap="truncate-end">
          {i === index ? "❯ " : "  "}
          {props.labels[v]}
        </Text>
      ))}
    </Box>
  );
}

export function Wizard({ folder, onDone }: { folder: string; onDone: (a: WizardAnswers) => void }) {
  const [step, setStep] = useState<Step>("provider");
  const [a, setA] = useState<Partial<WizardAnswers>>({});
  const done = (k: keyof WizardAnswers, label: string) =>
    a[k] === undefined ? null : (
      <Text key={k}>
        ✔ {label}: {String(a[k])}
      </Text>
    );
  const provider = a.provider ?? "local";
  const projectDefault = projectNameFrom(folder, provider);
  const name = a.projectName ?? projectDefault;
  return (
    <Box flexDirection="column">
      <Text>A new qhub-config.yaml: five questions (Enter takes the default in brackets).</Text>
      {done("provider", "Provider")}
      {done("projectName", "Project name")}
      {done("domain", "Domain")}
      {done("auth", "Login")}
      {step === "provider" && (
        <Choice
          question="Where does the platform run?"
          labels={PROVIDER_LABELS}
          values={PROVIDERS}
          onSelect={(provider) => {
            setA({ ...a, provider });
            setStep("projectName");
          }}
        />
      )}
      {step === "projectName" && (
        <Field
          label="Project name"
          placeholder={projectDefault}
          check={(v) => problemWith("projectName", v, provider)}
          onSubmit={(v) => {
            setA({ ...a, projectName: v || projectDefault });
            setStep("domain");
          }}
        />
      )}
      {step === "domain" && (
        <Field
          label="Domain users open"
          placeholder={defaultDomain(name, provider)}
          check={(v) => problemWith("domain", v)}
          onSubmit={(v) => {
            setA({ ...a, domain: v || defaultDomain(name, provider) });
            setStep("auth");
          }}
        />
      )}
      {step === "auth" && (
        <Choice
          question="How do users log in?"
          labels={AUTH_LABELS}
          values={AUTH_TYPES}
          onSelect={(auth) => {
            setA({ ...a, auth });
            setStep("repository");
          }}
        />
      )}
      {step === "repository" && (
        <Field
          label="GitHub repository for the rendered tree"
          placeholder=""
          check={(v) => problemWith("repository", v)}
          onSubmit={(v) => onDone({ ...(a as WizardAnswers), ...(v ? { repository: v } : {}) })}
        />
      )}
      <Text dimColor>(Ctrl-C cancels; nothing is written until the last answer)</Text>
    </Box>
  );
}

/** Asks on the terminal; rejects with a UserError when cancelled. */
export async function runWizard(folder: string): Promise<WizardAnswers> {
  let answers: WizardAnswers | undefined;
  const instance = render(
    <Wizard
      folder={folder}
      onDone={(a) => {
        answers = a;
        instance.unmount();
      }}
    />,
    { stdout: process.stderr, stdin: process.stdin, patchConsole: false, exitOnCtrlC: true },
  );
  await instance.waitUntilExit();
  if (!answers)
    throw new UserError(
      "cancelled; nothing was written",
      "run `qhub init PROVIDER` with flags to skip the questions",
    );
  return answers;
}
