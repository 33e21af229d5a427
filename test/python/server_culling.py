"""Loads the jupyter-server config QHub writes for kernel and terminal culling (singleuser.extraFiles
"qhub-culling") the way the user server loads a config file from a folder of jupyter_config_path,
and prints what the kernel and terminal managers end up with, as JSON.

Debian ships notebook 6, whose MappingKernelManager and TerminalManager jupyter-server copied with
these traits (jupyter_server/services/kernels/kernelmanager.py, terminals/terminalmanager.py).

    python3 server_culling.py FOLDER   # FOLDER holds jupyter_server_config.json
"""

import json
import sys

from jupyter_core.paths import SYSTEM_CONFIG_PATH
from notebook.services.kernels.kernelmanager import MappingKernelManager
from notebook.terminal.terminalmanager import TerminalManager
from traitlets.config import Application

app = Application()
app.load_config_file("jupyter_server_config", path=[sys.argv[1]])
kernels = MappingKernelManager(config=app.config)
terminals = TerminalManager(config=app.config)
print(
    json.dumps(
        {
            "config_path": SYSTEM_CONFIG_PATH,
            "kernels": {
                k: getattr(kernels, k)
                for k in ("cull_idle_timeout", "cull_interval", "cull_connected", "cull_busy")
            },
            "terminals": {k: getattr(terminals, k) for k in ("cull_inactive_timeout", "cull_interval")},
        }
    )
)
