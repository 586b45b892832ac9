"""One module per `todo-api` command: its options (`add_arguments`) and what it does (`run`,
returning the exit status)."""
