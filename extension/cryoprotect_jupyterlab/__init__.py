"""CryoProtect JupyterLab extension: the prebuilt labextension, installed as a Python package.

It also holds the Jupyter server extension (server_extension.py, enabled by
jupyter-config/jupyter_server_config.d/cryoprotect_jupyterlab.json) and the jupyter-server-proxy
entry ``cryoprotect`` (proxy.py), so a plain ``jupyter lab`` reaches CryoProtect as ``npm start`` does.
"""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "@cryoprotect/jupyterlab"}]


def _jupyter_server_extension_points():
    return [{"module": "cryoprotect_jupyterlab"}]


def _load_jupyter_server_extension(serverapp):
    from .server_extension import load

    load(serverapp)
