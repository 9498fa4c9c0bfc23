"""The company directory: work profiles, everyone's directory entry, and their exchange between nodes."""
