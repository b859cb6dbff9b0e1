"""Docker Swarm mode: machines joined into one cluster (component.py), their membership driven through
each engine's API (provider.py, engine_api.py), and the rules a declaration must keep (plan.py)."""
