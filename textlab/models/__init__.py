"""Models of the corpus: term counts, TF-IDF and LDA topic models."""
