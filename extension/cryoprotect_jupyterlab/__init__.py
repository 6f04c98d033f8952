"""CryoProtect JupyterLab extension: the prebuilt labextension, installed as a Python package."""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "@cryoprotect/jupyterlab"}]
