"""Synthetic applicants and the order driver behind `openbeian simulate` and `openbeian demo`."""
