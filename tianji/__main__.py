"""``python -m tianji``: the same command line as ``tianji``."""

from tianji.cli.main import main

main()
