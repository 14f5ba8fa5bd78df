"""Comparisons between groups: keyness, topic prevalence, frames, evidence."""
