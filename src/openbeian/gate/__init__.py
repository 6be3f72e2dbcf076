"""The enforcement gate: decides, for an access provider and a host name, whether its edge may serve it.

It reads the registry (or follows another OpenBeian's change feed) and never writes it.
"""
