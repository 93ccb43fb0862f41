"""Photos of items: the resumable upload protocol, the Pillow pipeline and where derivatives are stored."""
