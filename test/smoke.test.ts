// Executes the smoke test's script (src/components/smoke/smoke.py) under /usr/bin/python3 against
// HTTP doubles on 127.0.0.1 shaped like the services it calls:
// - the hub's REST API of JupyterHub 5 (jupyterhub/apihandlers/users.py: POST/DELETE
//   /users/{name} (201 / 204), POST /users/{name}/server (201 started, 202 pending), DELETE
//   /users/{name}/server (204 stopped, 202 stopping), GET /users/{name} with `servers`
//   {"": {ready, pending}}; jupyterhub/apihandlers/base.py: GET / with `version`), which wants
//   `Authorization: token ...`;
// - Dask Gateway 2026.3's API (dask-gateway-server/dask_gateway_server/routes.py: POST
//   /api/v1/clusters/ -> 201 {name}, GET /api/v1/clusters/{name} -> {status: PENDING|RUNNING|...},
//   POST .../scale {count}, DELETE -> 204; auth.py JupyterHubAuthenticator: `Authorization:
//   jupyterhub ...`), and the scheduler's dashboard JSON it proxies at /clusters/{name}/
//   (distributed/http/scheduler/json.py: /json/identity.json with `workers`).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { ROOT } from "./helpers.js";
import { PYTHON, pythonTest } from "./kustomize.js";

const TOKEN = "0123456789abcdef0123456789abcdef";
const SCRIPT = join(ROOT, "src/components/smoke/smoke.py");

interface Behaviour {
  /** The server is ready after this many polls; never when undefined. */
  serverReadyAfter?: number;
  /** The Dask cluster's status once it leaves PENDING. */
  clusterStatus?: "RUNNING" | "FAILED";
}

interface World {
  calls: string[];
  users: Set<string>;
  servers: Map<string, { polls: number; ready: boolean }>;
  clusters: Map<string, { status: string; workers: number }>;
  unauthorized: string[];
}

function json(res: ServerResponse, status: number, body?: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

function hubDouble(world: World, how: Behaviour) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "";
    const path = url.replace(/^\/hub\/api/, "");
    world.calls.push(`hub ${req.method} ${path}`);
    if (req.method === "GET" && path === "/") return json(res, 200, { version: "5.3.0" });
    if (req.headers.authorization !== `token ${TOKEN}`) {
      world.unauthorized.push(path);
      return json(res, 403, { status: 403, message: "Forbidden" });
    }
    await bodyOf(req);
    const m = /^\/users\/([^/]+)(\/server)?$/.exec(path);
    if (!m) return json(res, 404, { status: 404 });
    const name = m[1]!;
    if (!m[2]) {
      if (req.method === "POST") {
        if (world.users.has(name)) return json(res, 409, { status: 409 });
        world.users.add(name);
        return json(res, 201, { name, servers: {} });
      }
      if (!world.users.has(name)) return json(res, 404, { status: 404 });
      if (req.method === "DELETE") {
        // JupyterHub stops a user's servers before it deletes the user.
        world.servers.delete(name);
        world.users.delete(name);
        return json(res, 204);
      }
      const s = world.servers.get(name);
      if (s) {
        s.polls += 1;
        if (how.serverReadyAfter !== undefined && s.polls >= how.serverReadyAfter) s.ready = true;
      }
      return json(res, 200, {
        name,
        kind: "user",
        servers: s ? { "": { name: "", ready: s.ready, pending: s.ready ? null : "spawn" } } : {},
      });
    }
    if (!world.users.has(name)) return json(res, 404, { status: 404 });
    if (req.method === "POST") {
      world.servers.set(name, { polls: 0, ready: false });
      return json(res, 202);
    }
    if (req.method === "DELETE") {
      world.servers.delete(name);
      return json(res, 204);
    }
    return json(res, 405);
  };
}

function gatewayDouble(world: World, how: Behaviour) {
  let n = 0;
  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "").replace(/^\/services\/dask-gateway/, "");
    world.calls.push(`gateway ${req.method} ${path}`);
    const identity = /^\/clusters\/([^/]+)\/json\/identity\.json$/.exec(path);
    if (identity) {
      const c = world.clusters.get(identity[1]!);
      if (!c || c.status !== "RUNNING") return json(res, 502);
      const workers = Object.fromEntries(
        Array.from({ length: c.workers }, (_, i) => [`tls://10.0.0.${i + 2}:40000`, { nthreads: 2 }]),
      );
      return json(res, 200, { type: "Scheduler", id: "Scheduler-1", workers });
    }
    if (req.headers.authorization !== `jupyterhub ${TOKEN}`) {
      world.unauthorized.push(path);
      res.writeHead(401, { "WWW-Authenticate": "jupyterhub" });
      return res.end();
    }
    const body = (await bodyOf(req)) as { count?: number } | undefined;
    if (req.method === "POST" && path === "/api/v1/clusters/") {
      const name = `dev.${++n}`;
      world.clusters.set(name, { status: "PENDING", workers: 0 });
      return json(res, 201, { name });
    }
    const m = /^\/api\/v1\/clusters\/([^/]+)(\/scale)?$/.exec(path);
    const c = m ? world.clusters.get(m[1]!) : undefined;
    if (!m || !c) return json(res, 404, { error: "Cluster not found" });
    if (m[2] && req.method === "POST") {
      c.workers = body?.count ?? 0;
      return json(res, 200);
    }
    if (req.method === "DELETE") {
      world.clusters.delete(m[1]!);
      return json(res, 204);
    }
    const status = c.status;
    if (status === "PENDING") c.status = how.clusterStatus ?? "RUNNING";
    return json(res, 200, { name: m[1], status, dashboard_route: null, options: {} });
  };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>) {
  const server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { server, port: (server.address() as AddressInfo).port };
}

async function runSmoke(how: Behaviour) {
  const world: World = {
    calls: [],
    users: new Set(),
    servers: new Map(),
    clusters: new Map(),
    unauthorized: [],
  };
  const hub = await listen(hubDouble(world, how));
  const gateway = await listen(gatewayDouble(world, how));
  try {
    const child = spawn(PYTHON, [SCRIPT], {
      env: {
        QHUB_SMOKE_HUB_API: `http://127.0.0.1:${hub.port}/hub/api`,
        QHUB_SMOKE_GATEWAY: `http://127.0.0.1:${gateway.port}/services/dask-gateway`,
        QHUB_SMOKE_TOKEN: TOKEN,
        QHUB_SMOKE_USER: "qhub-smoke",
        QHUB_SMOKE_TIMEOUT: "2",
        QHUB_SMOKE_POLL: "0.05",
      },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    const status = await new Promise<number | null>((done) => child.on("close", done));
    return { status, out, world };
  } finally {
    hub.server.close();
    gateway.server.close();
  }
}

describe("the smoke test's script against doubles of the hub and the gateway", () => {
  pythonTest("passes when the server starts and a Dask worker joins, and leaves nothing behind", async () => {
    const { status, out, world } = await runSmoke({ serverReadyAfter: 2 });
    expect(out).toContain("qhub-smoke: passed");
    expect(status).toBe(0);
    expect(world.unauthorized).toEqual([]);
    expect(world.users.size + world.servers.size + world.clusters.size).toBe(0);
    // The order a user would see: the hub answers, a server starts and stops, a cluster computes.
    const firsts = ["hub GET /", "hub POST /users/qhub-smoke", "hub POST /users/qhub-smoke/server"];
    expect(world.calls.slice(0, 3)).toEqual(firsts);
    expect(world.calls).toContain("hub DELETE /users/qhub-smoke/server");
    expect(world.calls).toContain("gateway POST /api/v1/clusters/dev.1/scale");
    expect(world.calls.at(-1)).toBe("hub DELETE /users/qhub-smoke");
  });

  pythonTest("fails when the server never starts, and still removes the server and the user", async () => {
    const { status, out, world } = await runSmoke({});
    expect(status).toBe(1);
    expect(out).toContain("FAILED: the server of qhub-smoke to be ready: not after 2 s");
    expect(world.calls.some((c) => c.startsWith("gateway POST"))).toBe(false);
    expect(world.users.size + world.servers.size).toBe(0);
    expect(world.calls.slice(-2)).toEqual([
      "hub DELETE /users/qhub-smoke/server",
      "hub DELETE /users/qhub-smoke",
    ]);
  });

  pythonTest("fails when the Dask cluster fails, and removes the cluster and the user", async () => {
    const { status, out, world } = await runSmoke({ serverReadyAfter: 1, clusterStatus: "FAILED" });
    expect(status).toBe(1);
    expect(out).toContain("FAILED: Dask cluster dev.1 is FAILED");
    expect(world.calls).toContain("gateway DELETE /api/v1/clusters/dev.1");
    expect(world.users.size + world.servers.size + world.clusters.size).toBe(0);
  });
});
