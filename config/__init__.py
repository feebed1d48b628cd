"""Configuration: the settings every layer reads, from the environment or a .env file."""
