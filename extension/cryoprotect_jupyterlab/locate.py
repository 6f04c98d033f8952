"""Where CryoProtect is, for the jupyter-server-proxy entry and the server extension.

Both run inside the Jupyter server and must agree on one data folder and one port, so they ask
this module; the port is chosen once per Jupyter process.
"""

import json
import os
import shutil
import socket
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

#: The command line, relative to the repository root.
CLI_IN_REPO = Path("server") / "bin" / "cryoprotect.js"

_entry_port = None


def repository():
    """The CryoProtect checkout this package was installed from, or None.

    pip records where a local install came from (PEP 610 direct_url.json, for
    ``pip install ./extension`` and editable installs alike); failing that, scripts/setup.mjs puts
    the virtual environment at the root of the checkout.
    """
    candidates = []
    try:
        direct = metadata.distribution("cryoprotect_jupyterlab").read_text("direct_url.json")
        url = urlparse(json.loads(direct or "{}").get("url", ""))
        if url.scheme == "file":
            # The package's own folder is extension/ in the checkout.
            candidates.append(Path(unquote(url.path)).resolve().parent)
    except (metadata.PackageNotFoundError, ValueError, OSError):
        pass
    candidates.append(Path(sys.prefix).resolve().parent)
    for root in candidates:
        if (root / CLI_IN_REPO).is_file():
            return root
    return None


def cli():
    """The command line's script: $CRYOPROTECT_CLI, else the checkout's server/bin/cryoprotect.js."""
    configured = os.environ.get("CRYOPROTECT_CLI")
    if configured:
        path = Path(configured).expanduser().resolve()
        if not path.is_file():
            raise RuntimeError(f"CRYOPROTECT_CLI names {path}, which is not a file")
        return str(path)
    root = repository()
    if root is None:
        raise RuntimeError(
            "cannot find the CryoProtect command line: cryoprotect_jupyterlab was not installed "
            "from a CryoProtect checkout; set CRYOPROTECT_CLI to the path of "
            "server/bin/cryoprotect.js"
        )
    return str(root / CLI_IN_REPO)


def node():
    """Node.js: $CRYOPROTECT_NODE, else the first ``node`` on PATH."""
    configured = os.environ.get("CRYOPROTECT_NODE") or shutil.which("node")
    if not configured:
        raise RuntimeError(
            "cannot find Node.js for the CryoProtect server: put node on PATH or set "
            "CRYOPROTECT_NODE to its path"
        )
    return str(Path(configured).resolve())


def data_dir():
    """The data folder: $CRYOPROTECT_DATA_DIR, else .cryoprotect of the checkout, as npm start uses.

    Absolute, so the proxied process (started in Jupyter's working folder) and this server agree.
    """
    configured = os.environ.get("CRYOPROTECT_DATA_DIR")
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    root = repository()
    return str((root if root is not None else Path.cwd()) / ".cryoprotect")


def entry_port():
    """The port of the ``cryoprotect`` proxy entry: free when first asked, then fixed.

    Fixed so that kernels can be told the address before the entry has started.
    """
    global _entry_port
    if _entry_port is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            _entry_port = probe.getsockname()[1]
    return _entry_port
