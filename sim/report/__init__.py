"""Reports: papermill notebooks rendered to self-contained HTML in dated folders, with an index."""
