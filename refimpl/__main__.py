"""``python -m refimpl``: the same as the ``refimpl`` command."""

from refimpl.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
