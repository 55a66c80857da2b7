"""Training modules: loading them from `content/`, reading them, progress."""
