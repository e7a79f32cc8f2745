"""The records screens: the records menu and history, batches and their lots, patient profiles,
user accounts and the pharmacy's settings."""
