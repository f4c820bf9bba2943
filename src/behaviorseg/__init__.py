"""Behavioral customer segmentation with dbt: the project's Python package."""

__version__ = "0.1.0"
