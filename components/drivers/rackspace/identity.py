"""Rackspace's identity service: an API key for a token (its ``RAX-KSKEY:apiKeyCredentials`` extension, what
docker-machine 0.16.2's gophercloud client sent). The OpenStack provider has no API-key login, so it is given the
token and the account's tenant."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

IDENTITY_URL = "https://identity.api.rackspacecloud.com/v2.0"
TIMEOUT = 30


class IdentityError(RuntimeError):
    """Rackspace's identity service refused or could not be reached (one line)."""


def token_for(identity_url: str, username: str, api_key: str) -> tuple[str, str]:
    """(token, tenant ID) for the account's API key."""
    body = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": api_key}}}
    request = urllib.request.Request(  # noqa: S310 - the https identity URL (or a test's loopback)
        f"{identity_url.rstrip('/')}/tokens",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - as above
            token = json.loads(response.read(1 << 20))["access"]["token"]
            return str(token["id"]), str(token["tenant"]["id"])
    except urllib.error.HTTPError as err:
        raise IdentityError(
            f"Rackspace identity refused {username!r}'s API key (HTTP {err.code}): check --rackspace-username "
            "and --rackspace-api-key"
        ) from None
    except (urllib.error.URLError, OSError) as err:
        raise IdentityError(f"Rackspace identity at {identity_url} could not be reached: {err}") from None
    except (ValueError, KeyError, TypeError):
        raise IdentityError(f"Rackspace identity at {identity_url} answered without a token") from None
