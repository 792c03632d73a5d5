from musclemap_bench.cli import main

main()
