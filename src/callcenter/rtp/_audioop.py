"""The one place that imports the stdlib ``audioop`` (deprecated in 3.11, gone in 3.13).

Importing it here, under a warnings filter, keeps its DeprecationWarning out of every
caller; on Python 3.13+ the ``audioop-lts`` distribution provides the same module name.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

__all__ = ["audioop"]
