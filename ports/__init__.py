"""Interfaces between the framework-free core and the adapters that implement them.

Each module holds ``typing.Protocol`` classes and the small value types they pass; no logic.
"""
