from planalign.cli import main

main()
