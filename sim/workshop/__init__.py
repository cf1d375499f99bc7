"""The workshop: a live what-if page (Voila) for management workshops exploring org designs."""
