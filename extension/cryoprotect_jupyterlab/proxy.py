"""The jupyter-server-proxy entry ``cryoprotect``: ``<jupyter base url>/cryoprotect/``.

Registered through the ``jupyter_serverproxy_servers`` entry point (pyproject.toml). On the first
request jupyter-server-proxy runs ``cryoprotect proxy-entry --port <port>``, which forwards to the
server that already holds the data folder (npm start, cryoprotect serve) or is that server itself.
"""

from . import locate

#: The URL path under Jupyter's base URL; the server extension tells the page.
PROXY_PATH = "cryoprotect"

#: A first start migrates and loads the reference data before it answers.
START_TIMEOUT_S = 180


def setup_cryoprotect():
    return {
        "command": [locate.node(), locate.cli(), "proxy-entry", "--port", "{port}"],
        "port": locate.entry_port(),
        "environment": {"CRYOPROTECT_DATA_DIR": locate.data_dir()},
        "timeout": START_TIMEOUT_S,
        # The extension talks to it; a launcher card would open a JSON API in a tab.
        "launcher_entry": {"enabled": False, "title": "CryoProtect server"},
        "new_browser_tab": False,
    }
