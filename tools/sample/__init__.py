"""The embedded sample dataset: facts from the seed articles, built by build.py."""
