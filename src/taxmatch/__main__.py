"""`python -m taxmatch` runs the command line."""

from taxmatch.cli import main

# Guarded: a large batch's second process (spawned) imports this module again and must not run the CLI.
if __name__ == "__main__":
    main()
