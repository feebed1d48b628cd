"""Field encryption, envelope keys and the tamper-evident audit chain, used by the services.

Kept free of `api` and of any configuration reading: keys and PEMs arrive as arguments, so
the offline verifier (`python -m protection.verify`) runs with nothing but an export file.
"""
