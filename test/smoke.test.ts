// Executes the smoke test's script (src/components/smoke/smoke.py) under /usr/bin/python3 against
// HTTP doubles on 127.0.0.1 shaped like the services it calls:
// - the hub's REST API of JupyterHub 5 (jupyterhub/apihandlers/users.py: POST/DELETE
//   /users/{name} (201 / 204), POST /users/{name}/server (201 started, 202 pending), DELETE
//   /users/{name}/server (204 stopped, 202 stopping), GET /users/{name} with `servers`
//   {"": {ready, pending}}; jupyterhub/apihandlers/base.py: GET / with `version`), which wants
//   `Authorization: token ...`;
// - Dask Gateway 2026.3's API (dask-gateway-server/dask_gateway_server/routes.py: POST
//   /api/v1/clusters/ -> 201 {name}, GET /api/v1/clusters/{name} -> models.py's to_dict()
//   {name, status: PENDING|RUNNING|..., start_time, ...}, GET /api/v1/clusters/ -> the user's active
//   clusters by name, POST .../scale {count} -> {ok, msg}, DELETE -> 204 even when gone, errors as
//   {error}; auth.py: a request without credentials is answered 401 `WWW-Authenticate: jupyterhub`,
//   one with `Authorization: jupyterhub <token>` is served with a cookie that authenticates the next
//   ones, a token without access to the gateway's service is answered 401).
// The script runs the dask-gateway client as test/dask-gateway/dask_gateway, a fake of its upstream
// client that talks to this double and runs each cluster as a real Dask scheduler and workers
// (QHUB_FAKE_DASK_WORKERS says how the workers behave), so the computation really runs.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { ROOT } from "./helpers.js";
import { daskTest, PYTHON } from "./kustomize.js";

const TOKEN = "0123456789abcdef0123456789abcdef";
const SCRIPT = join(ROOT, "src/components/smoke/smoke.py");

interface Behaviour {
  /** The server is ready after this many polls; never when undefined. */
  serverReadyAfter?: number;
  /** The Dask cluster's status once it leaves PENDING. */
  clusterStatus?: "RUNNING" | "FAILED";
  /** The gateway refuses the token (it lacks access to the gateway's service). */
  gatewayRefuses?: boolean;
  /** How the Dask workers behave (test/dask-gateway/dask_gateway/_backend.py). */
  workers?: "healthy" | "none" | "erring" | "wrong";
  /** Sends the script SIGTERM once the hub has seen this call. */
  terminateAfter?: string;
  /**
   * The script's QHUB_SMOKE_TIMEOUT in seconds: short where running out of time is the case under
   * test, else long enough for a loaded CI machine (Dask's LocalCluster starting a worker).
   */
  timeout?: number;
}

interface World {
  calls: string[];
  users: Set<string>;
  servers: Map<string, { polls: number; ready: boolean }>;
  clusters: Map<string, { status: string; workers: number }>;
  /** Requests with credentials the double does not accept. */
  unauthorized: string[];
  /** Called with each call the doubles record. */
  onCall?: (call: string) => void;
}

function record(world: World, call: string) {
  world.calls.push(call);
  world.onCall?.(call);
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
    record(world, `hub ${req.method} ${path}`);
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

const COOKIE = "dask-gateway-5f1d";

function gatewayDouble(world: World, how: Behaviour) {
  let n = 0;
  const session = "0f9e8d7c6b5a";
  const report = (name: string, c: { status: string }) => ({
    name,
    dashboard_route: null,
    status: c.status,
    start_time: 1_780_000_000_000,
    stop_time: null,
    options: {},
    tls_cert: null,
    tls_key: null,
  });
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "", "http://gateway");
    const path = url.pathname.replace(/^\/services\/dask-gateway/, "");
    const auth = req.headers.authorization;
    const cookie = (req.headers.cookie ?? "").split("; ").includes(`${COOKIE}=${session}`);
    if (!cookie) {
      if (auth !== undefined && auth !== `jupyterhub ${TOKEN}`) world.unauthorized.push(path);
      if (auth !== `jupyterhub ${TOKEN}` || how.gatewayRefuses) {
        res.writeHead(401, { "WWW-Authenticate": "jupyterhub", "Content-Type": "application/json" });
        return res.end(JSON.stringify({ error: "Unauthorized" }));
      }
      res.setHeader("Set-Cookie", `${COOKIE}=${session}; Max-Age=600; Path=/`);
    }
    record(world, `gateway ${req.method} ${path}`);
    const body = (await bodyOf(req)) as { count?: number; cluster_options?: object } | undefined;
    if (path === "/api/v1/clusters/") {
      if (req.method === "POST") {
        const name = `dev.${++n}`;
        world.clusters.set(name, { status: "PENDING", workers: 0 });
        return json(res, 201, { name });
      }
      const active = [...world.clusters].filter(([, c]) => c.status === "PENDING" || c.status === "RUNNING");
      return json(res, 200, Object.fromEntries(active.map(([name, c]) => [name, report(name, c)])));
    }
    const m = /^\/api\/v1\/clusters\/([^/]+)(\/scale)?$/.exec(path);
    if (m && !m[2] && req.method === "DELETE") {
      world.clusters.delete(m[1]!);
      return json(res, 204);
    }
    const c = m ? world.clusters.get(m[1]!) : undefined;
    if (!m || !c) return json(res, 404, { error: `Cluster ${m?.[1]} not found` });
    if (m[2] && req.method === "POST") {
      c.workers = body?.count ?? 0;
      return json(res, 200, { ok: true, msg: null });
    }
    const answer = report(m[1]!, c);
    if (c.status === "PENDING") c.status = how.clusterStatus ?? "RUNNING";
    return json(res, 200, answer);
  };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>) {
  const server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Where the fake's proxy for the schedulers listens (the script must use it, not the gateway's address). */
const PROXY = "traefik-dask-gateway.test:80";

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
        PATH: process.env.PATH,
        PYTHONPATH: join(ROOT, "test", "dask-gateway"),
        PYTHONDONTWRITEBYTECODE: "1",
        QHUB_SMOKE_HUB_API: `http://127.0.0.1:${hub.port}/hub/api`,
        QHUB_SMOKE_GATEWAY: `http://127.0.0.1:${gateway.port}/services/dask-gateway`,
        QHUB_SMOKE_GATEWAY_PROXY: `gateway://${PROXY}`,
        QHUB_SMOKE_TOKEN: TOKEN,
        QHUB_SMOKE_USER: "qhub-smoke",
        QHUB_SMOKE_TIMEOUT: String(how.timeout ?? (how.terminateAfter ? 60 : 30)),
        QHUB_SMOKE_POLL: "0.05",
        QHUB_FAKE_DASK_PROXY: PROXY,
        QHUB_FAKE_DASK_WORKERS: how.workers ?? "healthy",
      },
    });
    world.onCall = (call) => {
      if (call === how.terminateAfter) setTimeout(() => child.kill("SIGTERM"), 300);
    };
    let out = "";
    // The script's own lines (stdout) apart too: its verdict is the last of them, whatever
    // distributed's logging (stderr) prints after it.
    let lines = "";
    child.stdout.on("data", (d) => {
      out += String(d);
      lines += String(d);
    });
    child.stderr.on("data", (d) => (out += String(d)));
    const status = await new Promise<number | null>((done) => child.on("close", done));
    return { status, out, verdict: lines.trimEnd().split("\n").at(-1) ?? "", world };
  } finally {
    hub.server.close();
    gateway.server.close();
  }
}

/** What the run left behind: users, servers and active Dask clusters. */
function leftovers(world: World) {
  return [
    ...[...world.users].map((u) => `user ${u}`),
    ...[...world.servers.keys()].map((u) => `server of ${u}`),
    ...[...world.clusters.keys()].map((c) => `Dask cluster ${c}`),
  ];
}

/** The clean-up of a run that got a Dask cluster: the cluster stopped, then the user removed. */
function expectDaskCleanedUp(world: World) {
  expect(leftovers(world)).toEqual([]);
  const stop = world.calls.lastIndexOf("gateway DELETE /api/v1/clusters/dev.1");
  expect(stop).toBeGreaterThan(-1);
  expect(world.calls.slice(stop + 1)).toEqual(["hub DELETE /users/qhub-smoke"]);
}

describe("the smoke test's script against doubles of the hub and the gateway", () => {
  daskTest(
    "passes when the server starts and a Dask cluster computes, and leaves nothing behind",
    async () => {
      const { status, out, world } = await runSmoke({ serverReadyAfter: 2 });
      expect(out).toContain("qhub-smoke: Dask cluster dev.1 computed sum(range(10)) = 45");
      expect(out).toContain("qhub-smoke: passed");
      expect(status).toBe(0);
      expect(world.unauthorized).toEqual([]);
      expect(leftovers(world)).toEqual([]);
      // The order a user would see: the hub answers, a server starts and stops, a cluster computes.
      const firsts = ["hub GET /", "hub POST /users/qhub-smoke", "hub POST /users/qhub-smoke/server"];
      expect(world.calls.slice(0, 3)).toEqual(firsts);
      const dask = world.calls.filter((c) => c.startsWith("gateway "));
      expect(world.calls.indexOf(dask[0]!)).toBeGreaterThan(
        world.calls.indexOf("hub DELETE /users/qhub-smoke/server"),
      );
      expect(dask[0]).toBe("gateway POST /api/v1/clusters/");
      expect(dask).toContain("gateway POST /api/v1/clusters/dev.1/scale");
      // It shuts the cluster down, and checks with the gateway that it is gone.
      expect(dask.slice(-2)).toEqual([
        "gateway DELETE /api/v1/clusters/dev.1",
        "gateway GET /api/v1/clusters/",
      ]);
      expect(world.calls.at(-1)).toBe("hub DELETE /users/qhub-smoke");
      expect(out).toContain("qhub-smoke: removed the user qhub-smoke");
      expect(out).not.toContain("clean-up failed");
    },
  );

  daskTest("fails when the server never starts, and still removes the server and the user", async () => {
    const { status, out, world } = await runSmoke({ timeout: 2 });
    expect(status).toBe(1);
    expect(out).toContain("FAILED: the server of qhub-smoke to be ready: not after 2 s");
    expect(world.calls.some((c) => c.startsWith("gateway "))).toBe(false);
    expect(leftovers(world)).toEqual([]);
    expect(world.calls.slice(-2)).toEqual([
      "hub DELETE /users/qhub-smoke/server",
      "hub DELETE /users/qhub-smoke",
    ]);
  });

  daskTest("fails when the gateway refuses the token, and removes the user", async () => {
    const { status, out, world } = await runSmoke({ serverReadyAfter: 1, gatewayRefuses: true });
    expect(status).toBe(1);
    expect(out).toMatch(/FAILED: asking the gateway for a Dask cluster: ClientResponseError: 401/);
    expect(world.calls.some((c) => c.startsWith("gateway "))).toBe(false);
    expect(leftovers(world)).toEqual([]);
    expect(world.calls.at(-1)).toBe("hub DELETE /users/qhub-smoke");
  });

  // Each failure once the gateway made a cluster: the last line names the step and the error, and
  // the run stops the cluster, then removes the user.
  const daskFailures: [string, Behaviour, string | RegExp][] = [
    ["the Dask cluster fails to start", { clusterStatus: "FAILED" }, "FAILED: Dask cluster dev.1 is FAILED"],
    [
      "no worker joins",
      { workers: "none", timeout: 2 },
      /FAILED: waiting for a worker to join Dask cluster dev\.1: \w*TimeoutError/,
    ],
    [
      "the computation raises on the worker",
      { workers: "erring" },
      "FAILED: computing sum(range(10)) on Dask cluster dev.1: RuntimeError: the worker cannot run tasks (fake)",
    ],
    [
      "the computation's result is wrong",
      { workers: "wrong" },
      "FAILED: Dask cluster dev.1 computed sum(range(10)) = 46, not 45",
    ],
  ];
  for (const [when, how, failure] of daskFailures)
    daskTest(`fails when ${when}, and stops the cluster and removes the user`, async () => {
      const { status, out, verdict, world } = await runSmoke({ serverReadyAfter: 1, ...how });
      expect(status, out).toBe(1);
      expect(verdict, out).toMatch(failure);
      expectDaskCleanedUp(world);
    });

  daskTest("cleans up when Kubernetes stops it (SIGTERM at the Job's deadline)", async () => {
    const { status, out, world } = await runSmoke({ terminateAfter: "hub POST /users/qhub-smoke/server" });
    expect(status).toBe(1);
    expect(out).toContain("FAILED: stopped (SIGTERM");
    expect(leftovers(world)).toEqual([]);
    expect(world.calls.slice(-2)).toEqual([
      "hub DELETE /users/qhub-smoke/server",
      "hub DELETE /users/qhub-smoke",
    ]);
  });
});
