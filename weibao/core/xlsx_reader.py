"""Reads the first sheet of an .xlsx in a child process under a memory and CPU limit (run by core.excel).

openpyxl can be made to spend minutes and gigabytes on a small hostile file (a sparse sheet that claims a million
rows, a million columns). The parent sends the file on stdin, this process limits itself (RLIMIT_AS, RLIMIT_CPU)
before importing openpyxl, reads at most the allowed rows and columns, and answers with a pickle on stdout:
{"ok": True, "header": tuple, "rows": [tuple, …], "approx": int} or {"ok": False, "error": code, "limit": n}.
It imports nothing of Django: starting it costs only the interpreter and openpyxl.
"""

import argparse
import errno
import io
import pickle
import sys

MEMORY_ERROR_EXIT = 3


def _limit_self(memory_mb: int, cpu_seconds: int) -> None:
    import resource

    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _trim(row: tuple) -> tuple:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


def read_sheet(data: bytes, *, max_rows: int, max_columns: int, max_cells: int) -> dict:
    """The header row, the rows after it (blank ones kept as (), so that row numbers stay right) and the row count
    the sheet claims; an error code when the file is unreadable or over a limit."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        return {"ok": False, "error": "damaged"}
    ws = wb.worksheets[0] if wb.worksheets else None
    if ws is None:
        return {"ok": False, "error": "no_sheet"}
    approx = (ws.max_row or 1) - 1
    if approx > max_rows:  # the sheet says so itself (its dimension): no need to read it
        return {"ok": False, "error": "too_many_rows", "limit": max_rows}
    # Rows and columns are not cut by openpyxl (it drops what lies past the cut silently): blank rows cost next to
    # nothing (the gap filler yields one shared tuple), the first filled row or column past a cap stops the reading,
    # and a sheet that only pretends to go on for ever meets the CPU limit.
    rows = ws.iter_rows(values_only=True)
    header, out, cells, blank = None, [], 0, None
    try:
        for raw in rows:
            if raw is blank or raw.count(None) == len(raw):
                blank, row = raw, ()
            else:
                row = _trim(raw)
            if len(row) > max_columns:
                return {"ok": False, "error": "too_many_columns", "limit": max_columns}
            cells += sum(1 for v in row if v is not None)
            if cells > max_cells:
                return {"ok": False, "error": "too_many_cells", "limit": max_cells}
            if header is None:
                header = row
                continue
            if len(out) >= max_rows:
                if row:
                    return {"ok": False, "error": "too_many_rows", "limit": max_rows}
                continue  # blank rows past the cap: trailing, unless a filled one follows (refused above)
            out.append(row)
    except MemoryError:
        raise
    except Exception:  # openpyxl raises many kinds on a malformed sheet
        return {"ok": False, "error": "damaged"}
    if header is None:
        return {"ok": False, "error": "empty"}
    while out and not out[-1]:
        out.pop()
    return {"ok": True, "header": header, "rows": out, "approx": approx}


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--memory-mb", "--cpu-seconds", "--max-rows", "--max-columns", "--max-cells"):
        parser.add_argument(name, type=int, required=True)
    args = parser.parse_args()
    _limit_self(args.memory_mb, args.cpu_seconds)
    try:
        data = sys.stdin.buffer.read()
        answer = read_sheet(data, max_rows=args.max_rows, max_columns=args.max_columns, max_cells=args.max_cells)
        sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    except MemoryError:
        sys.exit(MEMORY_ERROR_EXIT)
    except OSError as exc:  # the address-space limit met while importing (ENOMEM from the path finder or mmap)
        if exc.errno == errno.ENOMEM:
            sys.exit(MEMORY_ERROR_EXIT)
        raise


if __name__ == "__main__":
    main()
