"""Adapters: implementations of the ports on real infrastructure, and the composition root."""
