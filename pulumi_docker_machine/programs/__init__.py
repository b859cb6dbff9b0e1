"""The Pulumi programs: the CLI's inline one (inline.py) and stacks/'s (declarative.py)."""
