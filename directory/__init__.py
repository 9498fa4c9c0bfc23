"""The company directory: work profiles, the directory entries of everyone findable, and their exchange between nodes."""
