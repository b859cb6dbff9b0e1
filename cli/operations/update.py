"""``Stack.up`` without the ``pulumi stack history`` the Automation API runs after it.

The SDK's ``Stack.up`` ends with ``self.info()`` (``pulumi stack history --json --page-size 1
--show-secrets``) to fill ``UpResult.summary``, which nothing here reads. That is one more pulumi process,
and one that decrypts: the passphrase provider derives its key with 1,000,000 rounds of PBKDF2-SHA256 in
every process that needs it (about 0.25 s of CPU here). With many creates at once the CPU is what they
wait for (bench/parallel_create.py).
"""

from __future__ import annotations

from typing import Any

# UpResult.summary of our updates: never asked for (the SDK only requires it not to be None).
SUMMARY_NOT_ASKED = "not asked for"


def up(stack: Any, **kwargs: Any) -> Any:
    """``stack.up(**kwargs)``, its ``summary`` SUMMARY_NOT_ASKED; its outputs as the SDK reads them."""
    stack.info = lambda show_secrets=True: SUMMARY_NOT_ASKED  # this object only, for this call
    try:
        return stack.up(**kwargs)
    finally:
        del stack.info
