"""One module per `musclemap` sub-command (registered in musclemap_bench.cli.COMMANDS)."""
