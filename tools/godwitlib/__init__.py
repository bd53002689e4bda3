"""Orchestration for Godwit: setup, build, emulator launchers, serial consoles, tests."""
