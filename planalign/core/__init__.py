"""What every component shares and nothing else: stages, results and the component protocols.

No module here imports another planalign package at run time, so any package may import it.
"""
