"""The flow kernel: the machinery every reviewed record shares (DESIGN.md §4a)."""
