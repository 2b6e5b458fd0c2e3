"""kernels: the fast numeric code, behind one wall.

Each function states its contract and the reference it is tested against (tests/test_kernels.py
and the tests named in each docstring). Nothing here knows about datasets, rules or findings.
"""
