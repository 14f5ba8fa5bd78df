"""textlab: topic modelling and comparative text analysis of how sources frame a subject."""

__version__ = "0.1.0"
