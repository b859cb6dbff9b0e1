"""The ``docker-machine`` command line."""

__version__ = "0.1.0"  # the distribution's version too (pyproject.toml reads it from here)


def version_line() -> str:
    """docker-machine prints "docker-machine version X, build SHA"."""
    return f"docker-machine version {__version__}, build pulumi"
