"""Sessions' pure rules, no I/O: attendance (`attendance`), the programme's plan (`programme`), the call after an
absence (`calls`)."""
