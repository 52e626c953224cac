from planalign.cli import run

run()
