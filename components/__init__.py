"""Pulumi components and the key material, certificates and provisioning beneath them.

Nothing here imports Pulumi at import time: the CLI's read-only commands use
these modules and must stay fast.
"""
