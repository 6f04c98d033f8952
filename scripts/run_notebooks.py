"""Execute notebooks headless with nbclient and the tslab kernel; exit non-zero naming the failing cell.

Usage: python scripts/run_notebooks.py NOTEBOOK [NOTEBOOK ...] [--timeout SECONDS] [--kernel NAME]
                                       [--output-dir DIR]

The executed copies go to DIR (default .cryoprotect/executed, git-ignored), not beside the
notebooks, so JupyterLab's file browser shows only the notebooks themselves.
"""

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError


def _wait_after_error(cell, cell_index, execute_reply):
    # tslab discards requests that arrive within 200 ms of an error, which would silently abort
    # the following cells; waiting keeps later cells (and their failures) visible.
    time.sleep(0.3)


def run(path: Path, kernel: str, timeout: int, output_dir: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        startup_timeout=120,
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_error=_wait_after_error,
    )
    started = time.monotonic()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as error:
        failing = next(
            (i for i, c in enumerate(nb.cells) if c.cell_type == "code" and _has_error(c)),
            None,
        )
        where = f"cell {failing} ({nb.cells[failing].get('id', '?')})" if failing is not None else "a cell"
        print(f"FAILED {path}: {where}\n{error}", file=sys.stderr)
        return False
    finally:
        output_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, output_dir / path.name)
    print(f"ok {path} ({time.monotonic() - started:.1f} s)")
    return True


def _has_error(cell) -> bool:
    if cell.get("metadata", {}).get("tags") and "raises-exception" in cell["metadata"]["tags"]:
        return False
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error" or output.get("name") == "stderr":
            return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--kernel", default="tslab")
    parser.add_argument("--output-dir", type=Path, default=Path(".cryoprotect") / "executed")
    args = parser.parse_args()
    results = [run(p, args.kernel, args.timeout, args.output_dir) for p in args.notebooks]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
