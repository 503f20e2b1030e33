"""The reference platform as data: pinned versions, the profile the steps check, offline validation.

Nothing here talks to a cluster: the loaders read TOML, the validators read the fixtures and the
pinned upstream schemas in ``../shared/crds``, and ``cue`` renders ComponentDefinition templates
with a local CUE evaluator.
"""
