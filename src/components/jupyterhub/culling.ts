// Idle culling (`jupyterhub.culling`): the hub stops idle servers (z2jh's `cull`), and each user
// server culls its idle kernels and terminals (jupyter-server's settings, in a config file the
// chart's singleuser.extraFiles writes). test/hub-config.test.ts loads that file with traitlets.
import type { ResolvedCluster } from "../../config/resolve.js";

/**
 * The user server's jupyter-server config QHub writes (kernel and terminal culling): a JSON config
 * file in a folder of jupyter_config_path (jupyter_core's SYSTEM_CONFIG_PATH), which jupyter-server
 * loads beside the image's own (docker-stacks' is /etc/jupyter/jupyter_server_config.py).
 */
export const SERVER_CONFIG_PATH = "/usr/local/etc/jupyter/jupyter_server_config.json";

/** The hub's culler of idle servers (z2jh's `cull`, jupyterhub-idle-culler). */
export function cull(c: ResolvedCluster): Record<string, unknown> {
  const { server_idle_timeout: timeout, server_check_interval: every } = c.culling;
  return timeout > 0 ? { enabled: true, timeout, every } : { enabled: false };
}

/**
 * Kernel and terminal culling in each user server: jupyter-server's traits (the names of
 * jupyter_server/services/kernels/kernelmanager.py and terminals/terminalmanager.py), as the
 * singleuser.extraFiles entry that writes them; undefined when none is set.
 */
export function serverCulling(c: ResolvedCluster): Record<string, unknown> | undefined {
  const k = c.culling;
  const pick = (entries: [string, number | boolean | undefined][]) =>
    Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  const kernels = pick([
    ["cull_idle_timeout", k.kernel_idle_timeout],
    ["cull_interval", k.kernel_check_interval],
    ["cull_connected", k.kernel_cull_connected],
    ["cull_busy", k.kernel_cull_busy],
  ]);
  const terminals = pick([
    ["cull_inactive_timeout", k.terminal_idle_timeout],
    ["cull_interval", k.terminal_check_interval],
  ]);
  const data = {
    ...(Object.keys(kernels).length > 0 ? { MappingKernelManager: kernels } : {}),
    ...(Object.keys(terminals).length > 0 ? { TerminalManager: terminals } : {}),
  };
  return Object.keys(data).length > 0 ? { mountPath: SERVER_CONFIG_PATH, data } : undefined;
}
