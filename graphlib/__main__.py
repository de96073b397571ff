"""`python -m graphlib`: the command line (cli.py); nothing runs on import, as the compute pool's spawned processes import this again."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
