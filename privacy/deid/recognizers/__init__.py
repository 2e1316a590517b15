"""PHI recognizers, one module per family, and the registry that runs them in one pass.

Each module (``dates``, ``ages``, ``contacts``, ``ids``, ``locations``, ``web``,
``facilities``, ``names``) defines ``RECOGNIZER``, a :class:`~privacy.deid.recognizers.base.Recognizer`;
:mod:`privacy.deid.recognizers.registry` lists the modules and assembles the pass. This
package imports nothing itself, so that a recognizer module can be imported on its own.
"""
