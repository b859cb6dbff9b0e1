"""The ``docker-machine`` command line."""
