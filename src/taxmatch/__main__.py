"""`python -m taxmatch` runs the command line."""

from taxmatch.cli import main

main()
