"""The Jupyter server extension: tells the page and the kernels where CryoProtect is.

``npm start`` configures JupyterLab itself (server/src/lab.ts: the page config carries the server's
port and the local token, kernels inherit CRYOPROTECT_SERVER_URL and CRYOPROTECT_TOKEN); then this
does nothing. A plain ``jupyter lab`` gets the same from here: the page learns the proxy path of
the ``cryoprotect`` entry (proxy.py) and the local token, kernels the entry's address and the token.
"""

import base64
import os

from . import locate
from .proxy import PROXY_PATH

TOKEN_FILE = "token"


def load(serverapp):
    log = serverapp.log
    settings = serverapp.web_app.settings
    page_config = settings.setdefault("page_config_data", {})
    if os.environ.get("CRYOPROTECT_SERVER_URL") or "cryoprotectServerPort" in page_config:
        log.info("CryoProtect: the server was configured by whoever started Jupyter; keeping it")
        return
    try:
        data_dir = locate.data_dir()
        port = locate.entry_port()
    except RuntimeError as error:
        log.warning("CryoProtect: %s", error)
        return
    page_config["cryoprotectProxyPath"] = PROXY_PATH
    os.environ["CRYOPROTECT_SERVER_URL"] = f"http://127.0.0.1:{port}"
    embedded = not os.environ.get("DATABASE_URL")
    token_from_us = embedded and not os.environ.get("CRYOPROTECT_TOKEN")
    if token_from_us:
        token = _ensure_token(data_dir)
        page_config["cryoprotectToken"] = token
        os.environ["CRYOPROTECT_TOKEN"] = token
        previous = settings.get("page_config_hook")

        def refresh_token(handler, config):
            # The server replaces a revoked token in the file: every page gets the current one, and
            # so do the kernels started after it.
            if previous is not None:
                config = previous(handler, config)
            current = _read_token(data_dir)
            if current:
                config["cryoprotectToken"] = current
                os.environ["CRYOPROTECT_TOKEN"] = current
            return config

        settings["page_config_hook"] = refresh_token
    log.info(
        "CryoProtect: server at <base url>/%s/ (kernels: %s), data folder %s, token %s",
        PROXY_PATH,
        os.environ["CRYOPROTECT_SERVER_URL"],
        data_dir,
        f"from {os.path.join(data_dir, TOKEN_FILE)}" if token_from_us else "not ours",
    )


def _read_token(data_dir):
    try:
        with open(os.path.join(data_dir, TOKEN_FILE), encoding="utf-8") as file:
            return file.read().strip()
    except OSError:
        return ""


def _ensure_token(data_dir):
    """The local token, written first when no server has run yet.

    The server adopts a well-formed token it has never seen (server/src/db/local-user.ts), so the
    first page already carries the token the server will accept.
    """
    existing = _read_token(data_dir)
    if existing:
        return existing
    token = "cpt_" + base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode("ascii")
    os.makedirs(data_dir, exist_ok=True)
    try:
        fd = os.open(
            os.path.join(data_dir, TOKEN_FILE), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
        )
    except FileExistsError:
        # A server wrote it meanwhile: its token counts.
        return _read_token(data_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(token + "\n")
    return token
