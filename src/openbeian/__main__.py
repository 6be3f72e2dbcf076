from openbeian.cli import main

main(prog_name="openbeian")
