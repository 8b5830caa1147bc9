"""The rule catalogue (one file per rule), the rounding envelope and the great-expectations runner."""
