"""The project's user-facing error, and how entry points report it."""

import sys
from collections.abc import Callable


class FvcError(Exception):
    """An error a user can cause and fix (bad file, manifest, parameter).

    The message is one line that names the thing (file, row, column, parameter) and what was expected.
    Entry points print it without a traceback and exit non-zero.
    """


def run_main(main: Callable[[], object]) -> None:
    """Run an entry point: a user error prints one line (``fvc: error: ...``) and exits 2, no traceback."""
    try:
        main()
    except FvcError as err:
        print(f"fvc: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print("fvc: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
