"""Permissions granted and withdrawn at run time, over the shipped role policies."""
