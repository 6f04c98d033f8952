"""Jupyter server for the browser tests only (tests/ui.test.mjs starts it).

Galata's helper removes every protection (no token, no XSRF check, the app exposed on window):
never use this configuration for anything but a test server on 127.0.0.1.
"""

import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is the configuration object Jupyter passes in)

c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.port = int(os.environ["CRYOPROTECT_UI_PORT"])  # noqa: F821
# CI containers run as root; this server is a throw-away on 127.0.0.1.
c.ServerApp.allow_root = True  # noqa: F821

# The embedded CryoProtect server that tests/ui.test.mjs started, handed to the extension through
# the page config as `npm start` does (server/src/lab.ts); kernels inherit CRYOPROTECT_SERVER_URL
# and CRYOPROTECT_TOKEN from this process's environment.
if os.environ.get("CRYOPROTECT_UI_SERVER_PORT"):
    c.ServerApp.tornado_settings = {  # noqa: F821
        "page_config_data": {
            "cryoprotectServerPort": os.environ["CRYOPROTECT_UI_SERVER_PORT"],
            "cryoprotectToken": os.environ.get("CRYOPROTECT_TOKEN", ""),
        }
    }
