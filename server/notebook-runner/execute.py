"""Execute one notebook with nbclient, cell by cell, reporting each step as a JSON line on stdout.

Driven by `cryoprotect run` (server/src/notebooks/execute.ts), which prepares the notebook (the
injected parameters), reads the events and writes the messages a person reads. Usage:

    python execute.py --input IN.ipynb --output OUT.ipynb --cwd DIR --kernel NAME
                      --timeout-cell S --timeout S [--epilogue FILE]

Events: {"event": "start", "cells": N}; {"event": "cell", "index": I, "status": "ok", "seconds": T}
per code cell; {"event": "epilogue", "text": ...} with the stdout of the epilogue code (run in the
same kernel after the last cell, not kept in the notebook); {"event": "end", "status": "ok" | "error"
| "timeout" | "kernel", "index": I, "message": ...}. OUT.ipynb is written whatever the outcome.
"""

import argparse
import json
import re
import signal
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def emit(**event):
    print(json.dumps(event), flush=True)


def _wait_after_error(cell, cell_index, execute_reply):
    # tslab discards requests that arrive within 200 ms of an error, which would silently abort
    # the following cells of a notebook that allows errors; waiting keeps them running.
    time.sleep(0.3)


def _error_text(cell, fallback):
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            # tslab reports a thrown error as its stack on stderr: the "…Error: message" line says
            # it; a type error has no such line, and its first lines say it.
            lines = [line.strip() for line in output.get("text", "").splitlines() if line.strip()]
            errors = [line for line in lines if re.match(r"^[A-Za-z]*Error\b", line)]
            return errors[0] if errors else " ".join(lines[:3])
    return fallback


def _stop(signum, frame):
    # Turn SIGTERM (the whole-run deadline in cryoprotect run) into an exception, so the context
    # manager shuts the kernel down instead of leaving it running.
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--kernel", default="tslab")
    parser.add_argument("--timeout-cell", type=float, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--epilogue")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _stop)

    nb = nbformat.read(args.input, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=int(args.timeout_cell),
        startup_timeout=120,
        resources={"metadata": {"path": args.cwd}},
        on_cell_error=_wait_after_error,
    )
    deadline = time.monotonic() + args.timeout
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    emit(event="start", cells=len(nb.cells), code_cells=len(code_cells))
    end = {"status": "ok"}
    try:
        with client.setup_kernel():
            for ordinal, index in enumerate(code_cells, start=1):
                cell = nb.cells[index]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    end = {"status": "timeout", "index": index, "message": "the whole run's time ran out before this cell"}
                    break
                client.timeout = max(1, int(min(args.timeout_cell, remaining)))
                started = time.monotonic()
                try:
                    # Numbered as Run All would number them (tslab's replies carry no count),
                    # so the executed notebook and its HTML show In [1], In [2], …
                    client.execute_cell(cell, index, execution_count=ordinal)
                except CellTimeoutError:
                    whole = remaining < args.timeout_cell
                    end = {
                        "status": "timeout",
                        "index": index,
                        "message": f"no result after {client.timeout} s"
                        + (" (the whole run's limit)" if whole else " (the limit per cell)"),
                    }
                    break
                except CellExecutionError as error:
                    end = {"status": "error", "index": index, "message": _error_text(cell, str(error))}
                    break
                except DeadKernelError as error:
                    end = {"status": "kernel", "index": index, "message": f"the kernel died: {error}"}
                    break
                emit(event="cell", index=index, status="ok", seconds=round(time.monotonic() - started, 3))
            if end["status"] == "ok" and args.epilogue:
                with open(args.epilogue, encoding="utf-8") as f:
                    source = f.read()
                extra = nbformat.v4.new_code_cell(source)
                client.timeout = 120
                # nbclient writes outputs through the notebook's cell list: the epilogue is a
                # cell of it while it runs, and leaves before the notebook is written.
                nb.cells.append(extra)
                try:
                    client.execute_cell(extra, len(nb.cells) - 1)
                    text = "".join(
                        o.get("text", "") for o in extra.outputs if o.get("output_type") == "stream" and o.get("name") == "stdout"
                    )
                    emit(event="epilogue", status="ok", text=text)
                except (CellExecutionError, CellTimeoutError) as error:
                    emit(event="epilogue", status="error", text=_error_text(extra, str(error)))
                finally:
                    nb.cells.remove(extra)
    except KeyboardInterrupt as error:
        end = {"status": "timeout", "message": f"stopped ({error})"}
    except Exception as error:  # the kernel did not start, or nbclient failed outside a cell
        end = {"status": "kernel", "message": f"{type(error).__name__}: {error}"}
    finally:
        nbformat.write(nb, args.output)
    emit(event="end", **end)
    return 0


if __name__ == "__main__":
    sys.exit(main())
