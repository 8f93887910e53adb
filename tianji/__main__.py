"""``python -m tianji``: the same command line as ``tianji``."""

from tianji.cli.main import main

if __name__ == "__main__":  # not when a worker process re-imports the main module
    main()
