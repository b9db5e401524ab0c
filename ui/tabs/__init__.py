"""One module per task tab; each exposes `build(shared) -> TabParts`."""
