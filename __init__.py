"""mandategraph: a knowledge graph of government units, tasks and mandates
read from Chinese government-information-disclosure work plans.

The pipeline runs one way: read → parse → normalise → build graph → store /
export / show. The subpackages follow it: :mod:`mandategraph.loaders`,
:mod:`mandategraph.graph`, :mod:`mandategraph.queries`, :mod:`mandategraph.viz`.
"""
__version__ = "0.1.0"
