"""WebFinger, host-meta and NodeInfo: how nodes and people are found."""
