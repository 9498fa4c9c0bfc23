"""Uploaded media: what this node accepts and how it stores it.

images.py turns uploaded bytes into the files this node serves (pure), storage.py writes and
removes them under the media directory, attachments.py makes MediaAttachment rows out of both,
cleanup.py removes uploads that never made it into a post. Avatars and headers go through
images.py and storage.py too, so every picture a user sends is checked and stripped the same way.
"""
