"""Subcommands of the `juesuan` CLI, one module each."""
