"""Charts (Altair): ``*_data`` functions return tested tables, ``*_chart`` functions draw them."""
