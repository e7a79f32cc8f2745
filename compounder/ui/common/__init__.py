"""What every screen shares: the look and its one error colour, the inline error label, the base
table model, the records context (and its one helper that runs a records operation), the
signing dialogs and printing. It imports no screen."""
