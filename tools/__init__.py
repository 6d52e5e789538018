"""Data tooling, off the app's runtime path: building the embedded sample and the synthetic province."""
