"""Developer tools that drive the playground: `python -m tools.screenshots` regenerates docs/screenshots/."""
