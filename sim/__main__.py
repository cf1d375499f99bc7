"""``python -m sim``: the same program as the ``leadsim`` command."""

from sim.cli.main import main

if __name__ == "__main__":
    main()
