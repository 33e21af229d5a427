// Capacity changes in words, for reviewers of `qhub diff` and the pull request: what a node pool
// object of the capacity layer (`node_provisioning: auto`) lets the autoscaler make, before and
// after: its instance types, capacity type, GPUs and limits. Pure.
import { at } from "../components/kit.js";

/** The facts of a node pool object that decide capacity, by name, as text. */
function facts(o: unknown): Map<string, string> | undefined {
  const kind = at(o, "kind");
  const out = new Map<string, string>();
  if (kind === "NodePool") {
    const reqs = at(o, "spec", "template", "spec", "requirements");
    for (const r of Array.isArray(reqs) ? reqs : []) {
      const key = at(r, "key");
      const values = at(r, "values");
      const text = `${String(at(r, "operator"))} ${Array.isArray(values) ? values.join(", ") : ""}`;
      const shown = text.startsWith("In ") ? text.slice(3) : text;
      if (key === "node.kubernetes.io/instance-type") out.set("instance types", shown);
      else if (key === "karpenter.sh/capacity-type") out.set("capacity type", shown);
      else if (typeof key === "string" && key.endsWith("gpu-count")) out.set("GPUs per node", shown);
    }
    const limits = at(o, "spec", "limits");
    if (limits && typeof limits === "object")
      for (const [k, v] of Object.entries(limits).sort(([a], [b]) => (a < b ? -1 : 1)))
        out.set(`limit ${k}`, String(v));
    const taints = at(o, "spec", "template", "spec", "taints");
    if (Array.isArray(taints))
      out.set("taints", taints.map((t) => `${String(at(t, "key"))}:${String(at(t, "effect"))}`).join(", "));
    return out;
  }
  if (kind === "ComputeClass") {
    const priorities = at(o, "spec", "priorities");
    const list = Array.isArray(priorities) ? priorities : [];
    out.set(
      "machine types",
      list.map((p) => String(at(p, "machineType") ?? at(p, "machineFamily"))).join(", "),
    );
    out.set("capacity type", list.map((p) => (at(p, "spot") === true ? "spot" : "on-demand")).join(", "));
    const gpus = list.flatMap((p) => {
      const gpu = at(p, "gpu");
      return gpu ? [`${String(at(gpu, "count"))} × ${String(at(gpu, "type"))}`] : [];
    });
    if (gpus.length > 0) out.set("GPUs per node", gpus.join(", "));
    return out;
  }
  return undefined;
}

/**
 * What a change of a node pool object does to capacity, in words (`limit cpu 20 → 40; instance
 * types m5.xlarge → m5.2xlarge`); undefined for other objects and when nothing capacity-wise changed.
 */
export function capacityChange(before: unknown, after: unknown): string | undefined {
  const a = before === undefined ? undefined : facts(before);
  const b = after === undefined ? undefined : facts(after);
  if (!a && !b) return undefined;
  if (!a) return `new capacity: ${[...b!].map(([k, v]) => `${k} ${v}`).join("; ")}`;
  if (!b) return `capacity removed: ${[...a].map(([k, v]) => `${k} ${v}`).join("; ")}`;
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const changed = keys.flatMap((k) =>
    a.get(k) === b.get(k) ? [] : [`${k} ${a.get(k) ?? "(none)"} → ${b.get(k) ?? "(none)"}`],
  );
  return changed.length > 0 ? `capacity: ${changed.join("; ")}` : undefined;
}
